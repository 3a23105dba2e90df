//! `vigil sim`: the bundled Baidu AI Cloud simulator.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use vigil_baidu_sim::{GenerateOptions, Simulator, World};

use crate::Ctx;

/// Arguments of `vigil sim`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Serve a world and point Vigil at it:\n  \
vigil sim --addr 127.0.0.1:8080 &\n  \
BAIDUCLOUD_ACCESS_KEY=<demo key> BAIDUCLOUD_SECRET_KEY=<demo secret> \\\n    \
vigil connect baidu --name sim --endpoint-override 127.0.0.1:8080\n\n\
Generate a large world for tests and benchmarks:\n  \
vigil sim --generate --regions 6 --instances-per-region 2000 --out big.json\n  \
vigil sim --world big.json --addr 127.0.0.1:0\n\n\
The first line on stdout is always `listening on http://IP:PORT`. The world file format is \
described in docs/simulator.md.")]
pub struct Args {
    /// Serve this world file (default: the built-in demo world).
    #[arg(long, value_name = "FILE", conflicts_with = "generate")]
    pub world: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Write a generated world instead of serving one.
    #[arg(long)]
    pub generate: bool,
    /// Generated world: number of regions.
    #[arg(long, default_value_t = 6, requires = "generate")]
    pub regions: usize,
    /// Generated world: BCC instances per region.
    #[arg(long, default_value_t = 200, requires = "generate")]
    pub instances_per_region: usize,
    /// Generated world: security groups per region.
    #[arg(long, default_value_t = 50, requires = "generate")]
    pub security_groups_per_region: usize,
    /// Generated world: resources of each other product (EIP, RDS, Redis, Kafka, MongoDB,
    /// BOS, BLB) per region.
    #[arg(long, default_value_t = 20, requires = "generate")]
    pub resources_per_region: usize,
    /// Generated world: extra IAM users.
    #[arg(long, default_value_t = 10, requires = "generate")]
    pub users: usize,
    /// Generated world: random seed (same seed, same world).
    #[arg(long, default_value_t = 1, requires = "generate")]
    pub seed: u64,
    /// Generated world: write here instead of stdout.
    #[arg(long, value_name = "FILE", requires = "generate")]
    pub out: Option<PathBuf>,
}

/// `vigil sim`.
pub async fn run(_ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if args.generate {
        let world = World::generate(&GenerateOptions {
            regions: args.regions,
            instances_per_region: args.instances_per_region,
            security_groups_per_region: args.security_groups_per_region,
            users: args.users,
            resources_per_region: args.resources_per_region,
            seed: args.seed,
        });
        let text = world.to_json_pretty();
        match &args.out {
            Some(path) => {
                std::fs::write(path, text.as_bytes())
                    .with_context(|| format!("cannot write the world file {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            None => println!("{text}"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let world = match &args.world {
        Some(path) => World::from_file(path).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => World::default_world(),
    };
    let handle = Simulator::start(world, args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", handle.addr())?;
        out.flush()?;
    }
    eprintln!(
        "Simulating Baidu AI Cloud. Connect with:\n  BAIDUCLOUD_ACCESS_KEY={} BAIDUCLOUD_SECRET_KEY={} vigil connect baidu --name sim --endpoint-override {}\nPress Ctrl-C to stop.",
        vigil_baidu_sim::DEMO_ACCESS_KEY_ID,
        vigil_baidu_sim::DEMO_SECRET_ACCESS_KEY,
        handle.addr()
    );
    super::shutdown_signal().await;
    handle.shutdown();
    Ok(ExitCode::SUCCESS)
}
