//! `vigil baidu ...`: Baidu AI Cloud helpers.

use std::process::ExitCode;

use anyhow::{bail, Result};
use vigil_core::registry;

use crate::policy::parse_products;
use crate::{output, Ctx, OutputFormat};

/// Arguments of `vigil baidu`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Print the least-privilege custom policy document that lets a key read exactly these
    /// products (include iam so Vigil can verify the key's policies).
    Policy(PolicyArgs),
}

/// Arguments of `vigil baidu policy`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The document (JSON) goes to standard output, so it can be saved or piped; \
how to use it goes to standard error.\n\n\
Use it instead of the system read policies when the key should read only some products:\n  \
1. Console: IAM → Policies → Create policy → policy document (JSON); paste the document and save.\n  \
2. IAM → Users → the user → Permissions → Add permission → pick the custom policy.\n  \
3. `vigil verify --connection NAME` confirms each product is authorized.\n\n\
Examples:\n  vigil baidu policy --products bcc,rds > vigil-policy.json\n  vigil baidu policy --all"
)]
pub struct PolicyArgs {
    /// Products the key should read, comma-separated (e.g. bcc,rds).
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub products: Vec<String>,
    /// Every registered Baidu product.
    #[arg(long)]
    pub all: bool,
}

/// `vigil baidu ...`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    match args.command {
        Sub::Policy(a) => policy(ctx, a),
    }
}

fn policy(ctx: &Ctx, args: PolicyArgs) -> Result<ExitCode> {
    let products: Vec<String> = if args.all {
        registry::provider_products("baidu")
            .iter()
            .map(|d| d.product.to_string())
            .collect()
    } else {
        match parse_products("baidu", &args.products)? {
            Some(p) => p,
            None => registry::provider_products("baidu")
                .iter()
                .map(|d| d.product.to_string())
                .collect(),
        }
    };
    if products.is_empty() {
        bail!("no products: pass --products bcc,rds or --all");
    }
    let ids: Vec<&str> = products.iter().map(String::as_str).collect();
    let document = vigil_provider_baidu::policy::least_privilege(&ids)
        .map_err(|e| anyhow::anyhow!("invalid --products: {e}"))?;
    output::json(&document)?;
    if ctx.output == OutputFormat::Table {
        if !ids.contains(&"iam") {
            eprintln!(
                "\nNote: without iam Vigil cannot read the key's user and attached policies to \
                 explain what is missing; add iam to --products, or also attach \
                 IAMReadAccessPolicy."
            );
        }
        eprintln!(
            "\nThis custom policy lets a key read {} and nothing else. To use it:\n  \
             1. Baidu AI Cloud console: IAM → Policies → Create policy → choose the policy document \
             (JSON) editor, paste the document above and save it (e.g. as vigil-read).\n  \
             2. IAM → Users → the user → Permissions → Add permission → attach the custom policy.\n  \
             3. Check it with `vigil verify --connection NAME`.",
            ids.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
