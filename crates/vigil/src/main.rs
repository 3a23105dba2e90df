//! `vigil`: the thin runner. Parses the command line, wires the store, the provider
//! registry, the sync engine and (for `sim`/`demo`) the bundled simulator together.

mod cmd;
mod output;
mod policy;
mod report;
mod secrets;
mod sites;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::sites::Sites;

/// Exit status when a command ran but something it did failed (a region, a product), or
/// `vigil doctor` found a problem.
pub const EXIT_PARTIAL: u8 = 2;

/// Exit status of a `vigil sync` stopped by Ctrl-C or SIGTERM (what it stored is kept).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Exit status of `vigil findings --fail-on SEVERITY` when a selected, unmuted FAIL finding
/// has that severity or a higher one.
pub const EXIT_FINDINGS: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "vigil",
    version,
    about = "Self-hosted multicloud cloud security posture management",
    long_about = "Vigil connects to your cloud accounts with a read-only key, verifies what the key may \
read, collects the assets of the regions and products you choose into a local SQLite store, and \
lets you query them.\n\nEach connection belongs to a data residency site, mainland or overseas, and \
everything about it is stored only in that site's store: --db (mainland) and --overseas-db, or \
both in a --config file:\n\n  [sites]\n  mainland = \"/var/lib/vigil/mainland.db\"\n  overseas = \"/var/lib/vigil/overseas.db\"\n\n\
No cloud account? `vigil demo` runs everything against the bundled Baidu AI Cloud simulator.",
    after_help = "Typical use:\n  \
export BAIDUCLOUD_ACCESS_KEY=... BAIDUCLOUD_SECRET_KEY=...\n  \
vigil connect baidu --name prod --regions bj,gz --sync-interval 6h\n  \
vigil sync                      # once, now\n  \
vigil serve                     # or: scheduled syncs and AK checks until stopped\n  \
vigil status                    # key status, last and running syncs, what is next\n  \
vigil doctor --region gz        # why don't I see my assets?\n  \
vigil assets --product bcc --region gz\n  \
vigil findings --status FAIL --severity critical,high\n  \
vigil compliance --framework cis_alibaba_2.0\n  \
vigil --output json assets --kind baidu_bcc_security_group | jq ."
)]
struct Cli {
    /// The mainland site's SQLite store (created when first needed). Secrets live beside it
    /// in `<db>.secrets/`. Default: `[sites] mainland` of --config, else `vigil.db` in
    /// Vigil's data directory.
    #[arg(long, global = true, env = "VIGIL_DB", value_name = "PATH")]
    db: Option<PathBuf>,

    /// The overseas site's SQLite store, created only when an overseas connection is added.
    /// Default: `[sites] overseas` of --config, else `<db dir>/<db stem>-overseas.db`.
    #[arg(long, global = true, env = "VIGIL_OVERSEAS_DB", value_name = "PATH")]
    overseas_db: Option<PathBuf>,

    /// A TOML file placing the site stores: `[sites]` with `mainland = "PATH"` and
    /// `overseas = "PATH"` (relative paths are relative to the file). --db and
    /// --overseas-db override it.
    #[arg(long, global = true, env = "VIGIL_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

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
    /// `vigil findings` only: Prowler-compatible CSV (`;`-separated).
    Csv,
    /// `vigil findings` only: OCSF 1.5 Detection Finding JSON.
    Ocsf,
    /// `vigil findings` only: SARIF 2.1.0.
    Sarif,
    /// `vigil findings` only: a self-contained HTML report.
    Html,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Add (or update) a connection to a cloud account, verifying the key first.
    Connect(cmd::connect::Args),
    /// Show or change a connection's sync policy, site and schedules.
    Connection(cmd::connection::Args),
    /// List connections (of both sites).
    Connections,
    /// Re-verify a connection's key and permissions.
    Verify(cmd::verify::Args),
    /// Collect assets of one or all connections into their site's store, now.
    Sync(cmd::sync::Args),
    /// Run scheduled syncs and AK status checks of every connection until stopped.
    Serve(cmd::serve::Args),
    /// Per connection: key status, last and running sync, next scheduled sync and AK check.
    Status(cmd::status::Args),
    /// Find out why assets are missing: answers the setup guide's FAQ from the store.
    Doctor(cmd::doctor::Args),
    /// List collected assets, or show an asset's history.
    Assets(cmd::assets::Args),
    /// Show recent sync runs and their per-product, per-region outcomes.
    Runs(cmd::runs::Args),
    /// Evaluate the posture checks over a stored sync (offline; `vigil sync` does it too).
    Check(cmd::posture::CheckArgs),
    /// List and export posture findings (table, JSON, CSV, OCSF, SARIF, HTML); a CI gate.
    Findings(cmd::posture::FindingsArgs),
    /// Per-requirement status of a compliance framework (CIS Alibaba 2.0, MLPS 2.0 level 3).
    Compliance(cmd::posture::ComplianceArgs),
    /// Baidu AI Cloud helpers (least-privilege policy document).
    Baidu(cmd::baidu::Args),
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
    /// Where each site's store is.
    pub sites: Sites,
    /// Output format.
    pub output: OutputFormat,
    /// Whether the mainland store is the default path (no `--db`, `VIGIL_DB` or config).
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
    let (sites, db_is_default) = match Sites::resolve(
        cli.db.clone(),
        cli.overseas_db.clone(),
        cli.config.as_deref(),
        default_db(),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    if !matches!(cli.output, OutputFormat::Table | OutputFormat::Json)
        && !matches!(cli.command, Command::Findings(_))
    {
        let name = cli
            .output
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        eprintln!(
            "error: --output {name} is only for `vigil findings`; other commands print table or json"
        );
        return ExitCode::FAILURE;
    }
    let ctx = Ctx {
        sites,
        output: cli.output,
        db_is_default,
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
            Command::Connection(args) => cmd::connection::run(&ctx, args),
            Command::Connections => cmd::connection::list(&ctx),
            Command::Verify(args) => cmd::verify::run(&ctx, args).await,
            Command::Sync(args) => cmd::sync::run(&ctx, args).await,
            Command::Serve(args) => cmd::serve::run(&ctx, args).await,
            Command::Status(args) => cmd::status::run(&ctx, args),
            Command::Doctor(args) => cmd::doctor::run(&ctx, args),
            Command::Assets(args) => cmd::assets::run(&ctx, args),
            Command::Runs(args) => cmd::runs::run(&ctx, args),
            Command::Check(args) => cmd::posture::check(&ctx, args),
            Command::Findings(args) => cmd::posture::findings(&ctx, args),
            Command::Compliance(args) => cmd::posture::compliance_cmd(&ctx, args),
            Command::Baidu(args) => cmd::baidu::run(&ctx, args),
            Command::Sim(args) => cmd::sim::run(&ctx, args).await,
            Command::Demo(args) => cmd::demo::run(&ctx, args).await,
        }
    });
    // Serve and sync may leave blocking store calls behind after a signal; do not wait.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
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
