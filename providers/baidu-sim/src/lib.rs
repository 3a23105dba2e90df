//! vigil-baidu-sim
