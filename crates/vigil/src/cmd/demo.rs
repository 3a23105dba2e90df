//! `vigil demo`: the whole product against the bundled simulator, no account needed.

use std::process::ExitCode;

use anyhow::{Context, Result};
use vigil_baidu_sim::{Simulator, World};
use vigil_core::{registry, AccessKey};
use vigil_store::AssetFilter;

use vigil_sync::CancelToken;

use super::connect::{connect_key, Settings};
use super::print_report;
use super::sync::{print_summary, sync_with_bar, Attempt, SyncOptions};
use crate::output::{self, or_dash, Table};
use crate::sites::{self, Site, Sites};
use crate::{Ctx, OutputFormat, EXIT_PARTIAL};

/// Arguments of `vigil demo`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Without --db the demo uses its own database (demo.db in Vigil's data \
directory), so it never mixes simulated assets into your real inventory."
)]
pub struct Args {
    /// Serve this world file instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub world: Option<std::path::PathBuf>,
}

/// `vigil demo`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let ctx = if ctx.db_is_default {
        let db = ctx.sites.path(Site::Mainland).with_file_name("demo.db");
        let overseas = sites::default_overseas(&db);
        Ctx {
            sites: Sites::new(db, overseas)?,
            output: ctx.output,
            db_is_default: false,
        }
    } else {
        Ctx {
            sites: ctx.sites.clone(),
            output: ctx.output,
            db_is_default: false,
        }
    };
    let db = ctx.sites.path(Site::Mainland).to_path_buf();
    let table = ctx.output == OutputFormat::Table;
    let world = match &args.world {
        Some(path) => World::from_file(path).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => World::default_world(),
    };
    let sim = Simulator::start(world, "127.0.0.1:0".parse()?)
        .await
        .context("cannot start the simulator on 127.0.0.1")?;
    if table {
        println!("1. Started the Baidu AI Cloud simulator at http://{} (real host names, real signatures).", sim.addr());
    }

    let provider = registry::find_provider("baidu").map_err(|e| anyhow::anyhow!("{e}"))?;
    // The demo account's read-only auditor with IAMReadAccessPolicy + GlobalReadPolicy:
    // the setup guide's option 1, which lets Vigil read every product.
    let (access_key_id, secret) = vigil_baidu_sim::keys::GLOBAL_READER;
    let key = AccessKey::new(access_key_id, secret);
    let settings = Settings {
        regions: Some(vec!["all".to_string()]),
        site: Some(Site::Mainland),
        ..Settings::default()
    };
    let connected = connect_key(&ctx, provider, "demo", key, settings, Some(sim.addr())).await?;
    let (connection, report) = (connected.connection, connected.report);
    if table {
        println!(
            "2. Connected as the read-only IAM user of the demo account and verified the key:"
        );
        print_report(&ctx, &connection.name, &report)?;
    }

    let mut loc = ctx.sites.require(&connection.name)?;
    if table {
        println!(
            "3. Syncing every region and product into {} ...",
            db.display()
        );
    }
    let (summary, posture) = match sync_with_bar(
        &ctx,
        &mut loc,
        &SyncOptions::default(),
        CancelToken::new(),
        false,
    )
    .await?
    {
        Attempt::Done(done) => (done.summary, done.posture),
        Attempt::NotSynced(message) | Attempt::Disabled(message) => {
            anyhow::bail!("the demo sync failed: {message}")
        }
    };
    let assets = loc.store.assets(&AssetFilter {
        connection: Some(connection.name.clone()),
        ..Default::default()
    })?;
    sim.shutdown();

    if !table {
        output::json(&serde_json::json!({
            "database": db,
            "verification": report,
            "sync": summary,
            "posture": posture.as_ref().and_then(|p| p.as_ref().ok()),
            "assets": assets,
        }))?;
    } else {
        print_summary(&connection.name, &summary);
        println!("4. Assets now in the store, by kind and region:");
        let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
        for a in &assets {
            *counts
                .entry((a.kind.as_str(), a.region.as_str()))
                .or_default() += 1;
        }
        let mut t = Table::new(&["KIND", "REGION", "ASSETS"]);
        for ((kind, region), n) in &counts {
            t.row(vec![kind.to_string(), region.to_string(), n.to_string()]);
        }
        t.print();
        println!("\n   BCC instances, for example:");
        let mut t = Table::new(&["REGION", "ID", "NAME", "STATUS", "PUBLIC IP"]);
        for a in assets.iter().filter(|a| a.kind == "baidu_bcc_instance") {
            t.row(vec![
                a.region.clone(),
                a.resource_id.clone(),
                or_dash(a.name.as_deref()),
                or_dash(a.raw["status"].as_str()),
                or_dash(a.raw["publicIp"].as_str()),
            ]);
        }
        t.print();
        println!(
            "\n{} assets. Explore them with:\n  vigil --db {} assets --product bcc --region gz\n  vigil --db {} --output json assets --kind baidu_bcc_security_group\n  sqlite3 {} 'select kind, count(*) from assets group by kind'",
            assets.len(),
            db.display(),
            db.display(),
            db.display()
        );
        match &posture {
            Some(Ok(p)) => {
                println!("\n5. The posture checks found, by severity of the failing findings:");
                super::posture::print_summary(&connection.name, p);
                println!(
                    "   See them with:\n  vigil --db {} findings --status FAIL --severity critical,high\n  vigil --db {} --output html findings --out report.html\n  vigil --db {} compliance --framework cis_alibaba_2.0",
                    db.display(),
                    db.display(),
                    db.display()
                );
            }
            Some(Err(e)) => eprintln!("The posture checks failed: {e}"),
            None => {}
        }
    }
    Ok(if summary.failures().next().is_some() {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}
