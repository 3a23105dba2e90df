//! `vigil`: the thin runner. Parses the command line, wires the store, the provider
//! registry, the sync engine and (for `sim`/`demo`) the bundled simulator together.

mod cmd;
mod output;
mod secrets;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status when a command ran but something it did failed (a region, a product).
pub const EXIT_PARTIAL: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "vigil",
    version,
    about = "Self-hosted multicloud cloud security posture management",
    long_about = "Vigil connects to your cloud accounts with a read-only key, verifies what the key may \
read, collects the assets of the regions and products you choose into a local SQLite store, and \
lets you query them.\n\nNo cloud account? `vigil demo` runs everything against the bundled Baidu AI \
Cloud simulator.",
    after_help = "Typical use:\n  \
export BAIDUCLOUD_ACCESS_KEY=... BAIDUCLOUD_SECRET_KEY=...\n  \
vigil connect baidu --name prod --regions bj,gz\n  \
vigil sync\n  \
vigil assets --product bcc --region gz\n  \
vigil --output json assets --kind baidu_bcc_security_group | jq ."
)]
struct Cli {
    /// SQLite database to use (created if missing). Secrets live beside it in `<db>.secrets/`.
    #[arg(long, global = true, env = "VIGIL_DB", value_name = "PATH")]
    db: Option<PathBuf>,

    /// Output format of commands that print results.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,

    /// More logging on stderr (-v info, -vv debug, -vvv trace). `RUST_LOG` also works.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable tables.
    Table,
    /// JSON for machines.
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Add (or update) a connection to a cloud account, verifying the key first.
    Connect(cmd::connect::Args),
    /// Re-verify a connection's key and permissions.
    Verify(cmd::verify::Args),
    /// Collect assets of one or all connections into the store.
    Sync(cmd::sync::Args),
    /// List collected assets.
    Assets(cmd::assets::Args),
    /// List connections.
    Connections,
    /// Show recent sync runs and their per-product, per-region outcomes.
    Runs(cmd::runs::Args),
    /// Run the Baidu AI Cloud simulator, or generate a simulator world file.
    Sim(cmd::sim::Args),
    /// Start the simulator, connect, sync and show the assets: Vigil end to end, no account needed.
    Demo(cmd::demo::Args),
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Shared command context.
pub struct Ctx {
    /// Database path.
    pub db: PathBuf,
    /// Output format.
    pub output: OutputFormat,
    /// Whether `db` is the default path (no `--db`, no `VIGIL_DB`).
    pub db_is_default: bool,
}

fn default_db() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("vigil")
        .join("vigil.db")
}

fn main() -> ExitCode {
    vigil_provider_baidu::init();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let ctx = Ctx {
        db: cli.db.clone().unwrap_or_else(default_db),
        output: cli.output,
        db_is_default: cli.db.is_none(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Connect(args) => cmd::connect::run(&ctx, args).await,
            Command::Verify(args) => cmd::verify::run(&ctx, args).await,
            Command::Sync(args) => cmd::sync::run(&ctx, args).await,
            Command::Assets(args) => cmd::assets::run(&ctx, args),
            Command::Connections => cmd::connections(&ctx),
            Command::Runs(args) => cmd::runs::run(&ctx, args),
            Command::Sim(args) => cmd::sim::run(&ctx, args).await,
            Command::Demo(args) => cmd::demo::run(&ctx, args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use vigil_core::registry;

    /// The runner must link every provider crate; an unreferenced crate's `inventory`
    /// registrations silently vanish. This pins the exact set, so a provider or product that
    /// disappears (or appears without being added here) fails the build's tests.
    #[test]
    fn every_expected_provider_and_product_is_registered() {
        vigil_provider_baidu::init();
        registry::validate().unwrap();
        let products: Vec<(&str, &str)> = registry::products()
            .iter()
            .map(|d| (d.provider, d.product))
            .collect();
        let expected = [
            "appblb", "bcc", "blb", "bos", "eip", "iam", "kafka", "mongodb", "rds", "scs", "vpc",
        ];
        assert_eq!(
            products,
            expected.iter().map(|p| ("baidu", *p)).collect::<Vec<_>>()
        );
        let providers: Vec<&str> = registry::providers().iter().map(|p| p.id).collect();
        assert_eq!(providers, ["baidu"]);
    }

    /// Every registered product is documented for users (assets, calls, permission).
    #[test]
    fn every_registered_product_has_a_docs_page() {
        vigil_provider_baidu::init();
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/providers");
        for p in registry::products() {
            let page = docs.join(p.provider).join(format!("{}.md", p.product));
            let text = std::fs::read_to_string(&page).unwrap_or_else(|e| {
                panic!("{} has no docs page {}: {e}", p.product, page.display())
            });
            for kind in p.kind_names() {
                assert!(
                    text.contains(kind),
                    "{} does not mention {kind}",
                    page.display()
                );
            }
            assert!(
                text.contains(p.read_policy),
                "{} does not name {}",
                page.display(),
                p.read_policy
            );
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
