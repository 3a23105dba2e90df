//! `vigil assets`: query collected assets.

use std::process::ExitCode;

use anyhow::Result;
use vigil_store::AssetFilter;

use super::open_store;
use crate::output::{self, or_dash, Table};
use crate::{Ctx, OutputFormat};

/// Arguments of `vigil assets`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
vigil assets --product bcc --region gz\n  \
vigil assets --kind baidu_bcc_security_group --output json | jq '.[].raw.rules'\n\n\
For anything these filters cannot express, query the SQLite database directly (see docs/SCHEMA.md).")]
pub struct Args {
    /// Only this product (e.g. bcc).
    #[arg(long)]
    pub product: Option<String>,
    /// Only this asset kind (e.g. baidu_bcc_instance).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this region (e.g. gz).
    #[arg(long)]
    pub region: Option<String>,
    /// Only this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// Only the asset with this resource id.
    #[arg(long, value_name = "RESOURCE_ID")]
    pub id: Option<String>,
    /// At most this many assets.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// `vigil assets`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = open_store(ctx)?;
    let filter = AssetFilter {
        connection: args.connection,
        product: args.product,
        kind: args.kind,
        region: args.region,
        run_id: None,
        resource_id: args.id,
        limit: args.limit,
    };
    let assets = store.assets(&filter)?;
    if ctx.output == OutputFormat::Json {
        output::json(&assets)?;
        return Ok(ExitCode::SUCCESS);
    }
    if assets.is_empty() {
        println!("No assets match. Run `vigil sync` first, or widen the filters.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["CONNECTION", "REGION", "KIND", "ID", "NAME", "LAST SEEN"]);
    for a in &assets {
        table.row(vec![
            a.connection.clone(),
            a.region.clone(),
            a.kind.clone(),
            a.resource_id.clone(),
            or_dash(a.name.as_deref()),
            a.last_seen.clone(),
        ]);
    }
    table.print();
    println!("{} assets", assets.len());
    Ok(ExitCode::SUCCESS)
}
