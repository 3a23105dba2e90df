//! `vigil assets`: query collected assets (of both sites), and `vigil assets history ID`.

use std::process::ExitCode;

use anyhow::{bail, Result};
use vigil_store::{AssetFilter, StoredAsset};

use crate::output::{self, or_dash, Table};
use crate::sites::SiteStore;
use crate::{Ctx, OutputFormat};

/// Arguments of `vigil assets`.
#[derive(clap::Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
vigil assets --product bcc --region gz\n  \
vigil assets --kind baidu_bcc_security_group --output json | jq '.[].raw.rules'\n  \
vigil assets --include-deleted --product bcc      # also assets gone from the cloud\n  \
vigil assets history i-abc123                     # how an asset changed between syncs\n\n\
An asset is marked deleted (and hidden unless --include-deleted) when a sync listed its product \
and region completely without it; a failed or unauthorized listing never deletes anything.\n\n\
For anything these filters cannot express, query the SQLite database directly (see docs/SCHEMA.md)."
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
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
    /// Also list assets that have disappeared from the cloud (with when).
    #[arg(long)]
    pub include_deleted: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Every version of one asset: what changed between syncs, and when.
    History(HistoryArgs),
}

/// Arguments of `vigil assets history`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "ID is the asset's row id (the `id` of `vigil --output json assets`) or the \
cloud's resource id (e.g. i-abc123). Each site's store numbers its rows on its own, so add \
--connection when a row id or resource id is found in more than one place."
)]
pub struct HistoryArgs {
    /// Asset row id or resource id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Look only in this connection.
    #[arg(long)]
    pub connection: Option<String>,
}

/// `vigil assets`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if let Some(Sub::History(h)) = args.command {
        return history(ctx, h);
    }
    let stores: Vec<SiteStore> = match &args.connection {
        Some(name) => {
            let loc = ctx.sites.require(name)?;
            vec![SiteStore {
                site: loc.site,
                path: loc.path,
                store: loc.store,
            }]
        }
        None => ctx.sites.existing()?,
    };
    let filter = AssetFilter {
        connection: args.connection,
        product: args.product,
        kind: args.kind,
        region: args.region,
        run_id: None,
        resource_id: args.id,
        limit: args.limit,
        include_deleted: args.include_deleted,
    };
    let mut assets: Vec<StoredAsset> = Vec::new();
    for s in &stores {
        assets.extend(s.store.assets(&filter)?);
    }
    if stores.len() > 1 {
        assets.sort_by(|a, b| {
            (
                &a.connection,
                &a.product,
                &a.kind,
                &a.region,
                &a.resource_id,
            )
                .cmp(&(
                    &b.connection,
                    &b.product,
                    &b.kind,
                    &b.region,
                    &b.resource_id,
                ))
        });
        if let Some(limit) = filter.limit {
            assets.truncate(limit);
        }
    }
    if ctx.output == OutputFormat::Json {
        output::json(&assets)?;
        return Ok(ExitCode::SUCCESS);
    }
    if assets.is_empty() {
        println!("No assets match. Run `vigil sync` first, or widen the filters.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut headers = vec!["CONNECTION", "REGION", "KIND", "ID", "NAME", "LAST SEEN"];
    if filter.include_deleted {
        headers.push("DELETED");
    }
    let mut table = Table::new(&headers);
    for a in &assets {
        let mut row = vec![
            a.connection.clone(),
            a.region.clone(),
            a.kind.clone(),
            a.resource_id.clone(),
            or_dash(a.name.as_deref()),
            a.last_seen.clone(),
        ];
        if filter.include_deleted {
            row.push(or_dash(a.deleted_at.as_deref()));
        }
        table.row(row);
    }
    table.print();
    let deleted = assets.iter().filter(|a| a.deleted_at.is_some()).count();
    if deleted > 0 {
        println!("{} assets ({deleted} deleted)", assets.len());
    } else {
        println!("{} assets", assets.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// The asset `id` names: a row id or a resource id, in the stores searched.
fn find_asset(
    stores: &[SiteStore],
    id: &str,
    connection: Option<&str>,
) -> Result<(usize, StoredAsset)> {
    let mut found: Vec<(usize, StoredAsset)> = Vec::new();
    if let Ok(row) = id.parse::<i64>() {
        for (i, s) in stores.iter().enumerate() {
            if let Some(a) = s.store.asset(row)? {
                if connection.is_none_or(|c| c == a.connection) {
                    found.push((i, a));
                }
            }
        }
    }
    if found.is_empty() {
        for (i, s) in stores.iter().enumerate() {
            let filter = AssetFilter {
                connection: connection.map(str::to_string),
                resource_id: Some(id.to_string()),
                include_deleted: true,
                ..Default::default()
            };
            found.extend(s.store.assets(&filter)?.into_iter().map(|a| (i, a)));
        }
    }
    match found.len() {
        0 => bail!(
            "no asset with row id or resource id {id:?}{}; `vigil assets --include-deleted` lists them",
            connection
                .map(|c| format!(" in connection {c}"))
                .unwrap_or_default()
        ),
        1 => Ok(found.remove(0)),
        _ => {
            let list: Vec<String> = found
                .iter()
                .map(|(i, a)| {
                    format!(
                        "row {} ({} site, connection {}, {} {} {})",
                        a.id, stores[*i].site, a.connection, a.region, a.kind, a.resource_id
                    )
                })
                .collect();
            bail!(
                "{id:?} matches {} assets: {}; pass --connection NAME (and the row id) to pick one",
                found.len(),
                list.join("; ")
            )
        }
    }
}

fn history(ctx: &Ctx, args: HistoryArgs) -> Result<ExitCode> {
    let stores: Vec<SiteStore> = match &args.connection {
        Some(name) => {
            let loc = ctx.sites.require(name)?;
            vec![SiteStore {
                site: loc.site,
                path: loc.path,
                store: loc.store,
            }]
        }
        None => ctx.sites.existing()?,
    };
    let (i, asset) = find_asset(&stores, &args.id, args.connection.as_deref())?;
    let versions = stores[i].store.asset_history(asset.id)?;
    if ctx.output == OutputFormat::Json {
        output::json(&serde_json::json!({ "asset": asset, "versions": versions }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Asset {} ({} {} in {}, connection {}, row {}): first seen {}, last seen {}{}",
        asset.resource_id,
        asset.kind,
        or_dash(asset.name.as_deref()),
        asset.region,
        asset.connection,
        asset.id,
        asset.first_seen,
        asset.last_seen,
        asset
            .deleted_at
            .as_deref()
            .map(|d| format!(", DELETED at {d}"))
            .unwrap_or_default()
    );
    if versions.is_empty() {
        println!(
            "No changes recorded: it has looked the same in every sync since it was first seen."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&[
        "VERSION",
        "VALID FROM",
        "REPLACED AT",
        "BY RUN",
        "CHANGED FIELDS",
    ]);
    let mut from = asset.first_seen.clone();
    for (n, v) in versions.iter().enumerate() {
        table.row(vec![
            (n + 1).to_string(),
            from.clone(),
            v.recorded_at.clone(),
            v.run_id.to_string(),
            v.changed_fields.join(", "),
        ]);
        from = v.recorded_at.clone();
    }
    table.row(vec![
        format!("{} (current)", versions.len() + 1),
        from,
        "-".to_string(),
        asset.last_run_id.to_string(),
        String::new(),
    ]);
    table.print();
    println!(
        "`vigil --output json assets history {}` shows every version's payload.",
        args.id
    );
    Ok(ExitCode::SUCCESS)
}
