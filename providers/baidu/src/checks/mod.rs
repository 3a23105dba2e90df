//! The Baidu posture checks of `../shared/baidu-checks.md`, one module per area. Each check is a
//! pure function over the stored assets of one sync, registered with `inventory` like products.

mod audit;
mod blb;
mod bos;
mod compute;
mod iam;
mod kafka;
mod mongodb;
mod network;
mod rds;
mod scs;
