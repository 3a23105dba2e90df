//! `cargo xtask`: project automation, in Rust so it runs wherever cargo does.
//!
//! - `ci`: everything CI checks: fmt, clippy, all tests (the conformance suite and the
//!   end-to-end tests are part of `cargo test`), and `sdk-compat`.
//! - `conformance [--product P]`: the provider conformance suite against the simulator.
//! - `sdk-compat`: the official Python SDK (bce-python-sdk from PyPI) lists the simulator's
//!   data and must agree with the world file and with what `vigil sync` stores; the signer's
//!   golden vectors are regenerated with the SDK's own signer and must equal the committed ones.
//! - `vectors`: regenerate the golden signer vectors with the Python SDK.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};

/// The SDK version the vectors and compatibility checks are pinned to (with its
/// dependencies, in xtask/sdk/requirements.txt).
const PY_SDK: &str = "bce-python-sdk==0.9.79";

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(project_root());
    cmd
}

/// How a command is shown in logs: program and arguments only, never the environment
/// (which may carry keys).
fn show(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", show(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {}", show(cmd)))?;
    if !status.success() {
        bail!("command failed ({status}): {}", show(cmd));
    }
    Ok(())
}

fn output(cmd: &mut Command) -> Result<String> {
    eprintln!("$ {}", show(cmd));
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", show(cmd)))?;
    if !out.status.success() {
        bail!("command failed ({}): {}", out.status, show(cmd));
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    match task {
        "ci" => ci(),
        "conformance" => conformance(rest),
        "sdk-compat" => sdk_compat().map(|_| ()),
        "vectors" => vectors(false),
        "help" | "--help" | "-h" => {
            println!("cargo xtask <ci | conformance [--product P] | sdk-compat | vectors>");
            Ok(())
        }
        other => bail!("unknown task {other:?}; try `cargo xtask help`"),
    }
}

/// Run `cargo test` with the given arguments, echoing its output, and return the number of
/// tests that passed (cargo's own summary lines, added up).
fn cargo_test(args: &[&str]) -> Result<u64> {
    let mut cmd = cargo();
    cmd.arg("test").args(args).stdout(Stdio::piped());
    eprintln!("$ {}", show(&cmd));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", show(&cmd)))?;
    let mut passed = 0;
    for line in BufReader::new(child.stdout.take().context("no stdout")?).lines() {
        let line = line?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            passed += rest
                .split(';')
                .find_map(|part| {
                    part.trim()
                        .trim_start_matches("ok. ")
                        .trim_start_matches("FAILED. ")
                        .strip_suffix(" passed")
                })
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("tests failed ({status}): {}", show(&cmd));
    }
    Ok(passed)
}

fn ci() -> Result<()> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    let mut passed = cargo_test(&["--workspace"])?;
    passed += sdk_compat()?;
    if passed == 0 {
        bail!("no test ran");
    }
    println!("ci: {passed} passed, 0 failed");
    Ok(())
}

fn conformance(args: &[String]) -> Result<()> {
    let mut filter = "conformance::baidu::".to_string();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--product" => {
                let p = args
                    .get(i + 1)
                    .context("--product needs a product id, e.g. bcc")?;
                filter = format!("conformance::baidu::{p}::");
                i += 2;
            }
            other => {
                bail!("unknown argument {other:?}; usage: cargo xtask conformance [--product P]")
            }
        }
    }
    run(cargo().args([
        "test",
        "-p",
        "vigil-provider-baidu",
        "--test",
        "conformance",
        "--",
        &filter,
    ]))
}

/// A virtualenv with the official SDK, created on first use under target/.
fn python_with_sdk() -> Result<PathBuf> {
    let venv = project_root().join("target").join("sdk-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv))?;
    }
    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('bce-python-sdk'))",
        ])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout).trim() == PY_SDK.split("==").nth(1).unwrap_or("")
        })
        .unwrap_or(false);
    if !installed {
        run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(project_root().join("xtask/sdk/requirements.txt")))?;
    }
    Ok(python)
}

fn vectors(check: bool) -> Result<()> {
    let python = python_with_sdk()?;
    let root = project_root();
    let dir = root.join("providers/baidu-auth/tests/vectors");
    for (set, file) in [
        (None, "python_sdk.json"),
        (Some("published"), "published.json"),
    ] {
        let committed = dir.join(file);
        let mut cmd = Command::new(&python);
        cmd.arg(root.join("xtask/sdk/gen_vectors.py"));
        if let Some(set) = set {
            cmd.args(["--set", set]);
        }
        let generated = output(&mut cmd)?;
        if check {
            let old = std::fs::read_to_string(&committed)
                .with_context(|| format!("cannot read {}", committed.display()))?;
            if old != generated {
                bail!(
                    "the official SDK's signer no longer produces the committed vectors in {}; run `cargo xtask vectors` and review the diff",
                    committed.display()
                );
            }
            eprintln!("vectors: the official Python SDK signer reproduces every vector in {file}");
        } else {
            std::fs::write(&committed, generated)?;
            eprintln!("wrote {}", committed.display());
        }
    }
    Ok(())
}

struct Sim(Child);
impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Returns the number of Rust tests it ran (the Python checks print their own lines).
fn sdk_compat() -> Result<u64> {
    let root = project_root();
    let python = python_with_sdk()?;
    vectors(true)?;
    std::env::set_var("VIGIL_SIM_PYTHON", &python);
    let passed = cargo_test(&[
        "-p",
        "vigil-baidu-sim",
        "--features",
        "sdk-compat",
        "--test",
        "python_sdk",
    ])?;

    run(cargo().args(["build", "--quiet", "-p", "vigil"]))?;
    let vigil = root.join("target").join("debug").join("vigil");
    let work = root.join("target").join("sdk-compat");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let world = work.join("world.json");
    run(Command::new(&vigil)
        .args([
            "sim",
            "--generate",
            "--regions",
            "6",
            "--instances-per-region",
            "300",
            "--security-groups-per-region",
            "60",
            "--resources-per-region",
            "25",
            "--seed",
            "11",
            "--out",
        ])
        .arg(&world))?;

    let mut child = Command::new(&vigil)
        .args(["sim", "--addr", "127.0.0.1:0", "--world"])
        .arg(&world)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start `vigil sim`")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let sim = Sim(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first)?;
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .with_context(|| format!("unexpected first line from `vigil sim`: {first:?}"))?
        .to_string();

    let world_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&world)?)?;
    // A key that may read every product (IAMReadAccessPolicy + GlobalReadPolicy).
    let (ak, sk) = user_key(&world_json, "global-reader")?;

    // Every compat_*.py lists its products through the official SDK and prints one JSON
    // line per (kind, region) with the ids it saw.
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(root.join("xtask/sdk"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("compat_") && n.ends_with(".py"))
        })
        .collect();
    scripts.sort();
    let mut sdk_seen: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for script in &scripts {
        let out = output(
            Command::new(&python)
                .arg(script)
                .arg("--world")
                .arg(&world)
                .args(["--proxy", &addr, "--page-size", "37"])
                .env("BAIDUCLOUD_ACCESS_KEY", &ak)
                .env("BAIDUCLOUD_SECRET_KEY", &sk),
        )?;
        for line in out.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)
                .with_context(|| format!("{}: not a JSON line: {line}", script.display()))?;
            let key = (
                v["region"].as_str().unwrap_or_default().to_string(),
                v["kind"].as_str().unwrap_or_default().to_string(),
            );
            let ids = v["ids"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if sdk_seen.insert(key.clone(), ids).is_some() {
                bail!("{key:?} was listed twice by the SDK scripts");
            }
        }
    }

    // What `vigil sync` stores for the same world must agree.
    let db = work.join("vigil.db");
    run(Command::new(&vigil)
        .arg("--db")
        .arg(&db)
        .args([
            "connect",
            "baidu",
            "--name",
            "sdk",
            "--endpoint-override",
            &addr,
        ])
        .env("BAIDUCLOUD_ACCESS_KEY", &ak)
        .env("BAIDUCLOUD_SECRET_KEY", &sk))?;
    run(Command::new(&vigil)
        .arg("--db")
        .arg(&db)
        .args(["sync", "--no-progress"]))?;
    let stored: serde_json::Value = serde_json::from_str(&output(
        Command::new(&vigil)
            .arg("--db")
            .arg(&db)
            .args(["--output", "json", "assets"]),
    )?)?;
    compare_store_with_sdk(&stored, sdk_seen)?;
    drop(sim);
    eprintln!("sdk-compat: the official SDK and `vigil sync` agree on every product and region");
    Ok(passed)
}

/// The first access key of a world user.
fn user_key(world: &serde_json::Value, name: &str) -> Result<(String, String)> {
    let users = world["accounts"][0]["users"]
        .as_array()
        .context("world has no users")?;
    let user = users
        .iter()
        .find(|u| u["name"] == name)
        .with_context(|| format!("the generated world has no {name} user"))?;
    let key = &user["access_keys"][0];
    match (
        key["access_key_id"].as_str(),
        key["secret_access_key"].as_str(),
    ) {
        (Some(ak), Some(sk)) => Ok((ak.to_string(), sk.to_string())),
        _ => bail!("{name} has no access key in the world file"),
    }
}

/// Every (region, kind) the SDK listed must hold exactly the same ids in the store, and
/// every (region, kind) the store holds must have been listed by the SDK.
fn compare_store_with_sdk(
    stored: &serde_json::Value,
    mut sdk: BTreeMap<(String, String), Vec<String>>,
) -> Result<()> {
    let mut got: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for a in stored.as_array().context("assets output is not an array")? {
        let key = (
            a["region"].as_str().unwrap_or("").to_string(),
            a["kind"].as_str().unwrap_or("").to_string(),
        );
        got.entry(key)
            .or_default()
            .push(a["resource_id"].as_str().unwrap_or("").to_string());
    }
    sdk.retain(|_, ids| !ids.is_empty());
    for ids in got.values_mut().chain(sdk.values_mut()) {
        ids.sort();
    }
    let mut mismatches = 0;
    for key in sdk
        .keys()
        .chain(got.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (s, g) = (sdk.get(key), got.get(key));
        let status = if s == g { "ok" } else { "MISMATCH" };
        if s != g {
            mismatches += 1;
        }
        eprintln!(
            "  {:<8} {:<32} sdk {:>5}  vigil {:>5}  {status}",
            key.0,
            key.1,
            s.map_or(0, Vec::len),
            g.map_or(0, Vec::len)
        );
    }
    if mismatches > 0 {
        bail!("`vigil sync` and the official SDK disagree on {mismatches} (region, kind) pairs");
    }
    let total: usize = got.values().map(Vec::len).sum();
    eprintln!(
        "vigil sync: {total} assets in {} (region, kind) pairs match the SDK",
        got.len()
    );
    Ok(())
}
