//! `cargo xtask`: project automation, in Rust so it runs wherever cargo does.
//!
//! - `ci`: everything CI checks: fmt, clippy, all tests (the conformance suite and the
//!   end-to-end tests are part of `cargo test`), and `sdk-compat`.
//! - `conformance [--product P]`: the provider conformance suite against the simulator.
//! - `sdk-compat`: the official Python SDK (bce-python-sdk from PyPI) lists the simulator's
//!   data and must agree with the world file and with what `vigil sync` stores; the signer's
//!   golden vectors are regenerated with the SDK's own signer and must equal the committed ones.
//! - `vectors`: regenerate the golden signer vectors with the Python SDK.

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
            "4",
            "--instances-per-region",
            "150",
            "--security-groups-per-region",
            "40",
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
    let (ak, sk) = auditor_key(&world_json)?;
    run(Command::new(&python)
        .arg(root.join("xtask/sdk/bcc_compat.py"))
        .args(["--world"])
        .arg(&world)
        .args(["--proxy", &addr, "--page-size", "37"])
        .env("BAIDUCLOUD_ACCESS_KEY", &ak)
        .env("BAIDUCLOUD_SECRET_KEY", &sk))?;

    // What `vigil sync` stores for the same world must agree too.
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
    compare_store_with_world(&stored, &world_json)?;
    drop(sim);
    eprintln!(
        "sdk-compat: the official SDK and `vigil sync` both agree with the simulator's world"
    );
    Ok(passed)
}

/// The read-only auditor's key pair, as the world file defines it.
fn auditor_key(world: &serde_json::Value) -> Result<(String, String)> {
    let users = world["accounts"][0]["users"]
        .as_array()
        .context("world has no users")?;
    let auditor = users
        .iter()
        .find(|u| u["name"] == "vigil-auditor")
        .context("the generated world has no vigil-auditor user")?;
    let key = &auditor["access_keys"][0];
    match (
        key["access_key_id"].as_str(),
        key["secret_access_key"].as_str(),
    ) {
        (Some(ak), Some(sk)) => Ok((ak.to_string(), sk.to_string())),
        _ => bail!("vigil-auditor has no access key in the world file"),
    }
}

fn compare_store_with_world(stored: &serde_json::Value, world: &serde_json::Value) -> Result<()> {
    use std::collections::BTreeMap;
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
    let mut want: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let account = &world["accounts"][0];
    for (region, collections) in account["resources"]
        .as_object()
        .context("world has no resources")?
    {
        for (collection, kind) in [
            ("bcc_instances", "baidu_bcc_instance"),
            ("bcc_security_groups", "baidu_bcc_security_group"),
        ] {
            let ids: Vec<String> = collections[collection]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|i| i["id"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if !ids.is_empty() {
                want.insert((region.clone(), kind.to_string()), ids);
            }
        }
    }
    for ids in got.values_mut().chain(want.values_mut()) {
        ids.sort();
    }
    if got != want {
        for key in want.keys().chain(got.keys()) {
            let (g, w) = (got.get(key).map(Vec::len), want.get(key).map(Vec::len));
            if g != w || got.get(key) != want.get(key) {
                eprintln!("  {key:?}: stored {g:?}, world {w:?}");
            }
        }
        bail!("`vigil sync` stored different assets than the world holds");
    }
    let total: usize = got.values().map(Vec::len).sum();
    eprintln!(
        "vigil sync: {total} assets in {} (region, kind) pairs match the world",
        got.len()
    );
    Ok(())
}
