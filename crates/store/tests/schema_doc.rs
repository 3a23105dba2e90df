//! `docs/SCHEMA.md` is a public contract: every table, column and index of the real schema is
//! documented, and every example query runs and finds something on realistic data.

use serde_json::json;
use vigil_core::Asset;
use vigil_store::{
    NewConnection, NewEvaluation, NewFinding, Outcome, OutcomeStatus, RunStatus, Store,
};

const DOC: &str = include_str!("../../../docs/SCHEMA.md");

/// The fenced blocks of `lang` in the document.
fn blocks(lang: &str) -> Vec<String> {
    let fence = format!("```{lang}");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in DOC.lines() {
        match &mut current {
            None if line.trim_end() == fence => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => out.push(current.take().unwrap()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(current.is_none(), "unterminated code block");
    out
}

/// The text of the section headed "### `table`".
fn section(table: &str) -> &'static str {
    let heading = format!("### `{table}`");
    let start = DOC
        .find(&heading)
        .unwrap_or_else(|| panic!("docs/SCHEMA.md has no section {heading}"));
    let rest = &DOC[start + heading.len()..];
    let end = rest
        .find("\n## ")
        .into_iter()
        .chain(rest.find("\n### "))
        .min();
    &rest[..end.unwrap_or(rest.len())]
}

fn strings(db: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = db.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn instance(id: &str, public_ip: &str, env: &str) -> Asset {
    Asset {
        kind: "baidu_bcc_instance",
        resource_id: id.to_string(),
        name: Some(format!("vm-{id}")),
        region: "bj".to_string(),
        raw: json!({
            "id": id, "name": format!("vm-{id}"), "status": "Running",
            "publicIp": public_ip, "internalIp": "192.168.0.4",
            "tags": [{"tagKey": "env", "tagValue": env}],
        }),
        ..Default::default()
    }
}

fn security_group(id: &str, source: &str) -> Asset {
    Asset {
        kind: "baidu_bcc_security_group",
        resource_id: id.to_string(),
        name: Some("default".to_string()),
        region: "bj".to_string(),
        raw: json!({
            "id": id, "name": "default", "vpcId": "vpc-1",
            "rules": [
                {"direction": "ingress", "protocol": "tcp", "portRange": "22", "sourceIp": source},
                {"direction": "egress", "protocol": "all", "portRange": "", "destIp": "0.0.0.0/0"},
            ],
        }),
        ..Default::default()
    }
}

/// An RDS instance with its whitelist (the `securityIps` child call) and, if `acl_fails`,
/// a failed `acl` child call.
fn rds(id: &str, whitelist: &[&str], acl_fails: bool) -> Asset {
    let mut asset = Asset::new(
        "baidu_rds_instance",
        id,
        Some(format!("db-{id}")),
        "bj",
        json!({"instanceId": id, "engine": "MySQL", "instanceStatus": "Available"}),
    );
    asset.record_detail("securityIps", Ok(json!({ "securityIps": whitelist })));
    if acl_fails {
        asset.record_detail(
            "acl",
            Err(
                vigil_core::Error::new(vigil_core::ErrorKind::PermissionDenied, "Access denied.")
                    .with_code("AccessDenied")
                    .with_request_id("req-acl"),
            ),
        );
    }
    asset
}

fn outcome(product: &str, region: &str, kind: &str, status: OutcomeStatus) -> Outcome {
    let failed = status != OutcomeStatus::Ok;
    Outcome {
        product: product.to_string(),
        region: region.to_string(),
        kind: kind.to_string(),
        status,
        asset_count: if failed { 0 } else { 2 },
        pages: 1,
        error_kind: failed.then(|| "permission_denied".to_string()),
        error_code: failed.then(|| "AccessDenied".to_string()),
        error_message: failed.then(|| "Access denied.".to_string()),
        request_id: failed.then(|| "req-1".to_string()),
        started_at: vigil_store::now(),
        finished_at: Some(vigil_store::now()),
        detail_errors: 0,
        deleted: 0,
    }
}

/// A finding to seed: a 32-hex id derived from the check and resource (FNV-1a, 128 bits).
fn seed_finding(
    check: &str,
    kind: &str,
    resource: &str,
    status: &str,
    severity: &str,
    service: &str,
) -> NewFinding {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in format!("{check}|{kind}|bj|{resource}").bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    NewFinding {
        finding_id: format!("{h:032x}"),
        check_id: check.into(),
        status: status.into(),
        severity: severity.into(),
        service: service.into(),
        resource_kind: kind.into(),
        resource_id: resource.into(),
        resource_name: None,
        region: "bj".into(),
        message: format!("{resource}: {status}"),
        evidence: json!({"resource": resource}),
        related: json!([]),
        muted: false,
        mute_reason: None,
    }
}

fn evaluation() -> NewEvaluation {
    NewEvaluation {
        engine_version: "0.1.0".into(),
        checks: 62,
        config: json!({"params": {"max_access_key_age_days": 90}, "mutelist": null}),
    }
}

/// Two connections; `prod` has a succeeded run, a succeeded run in which one instance is
/// gone (marked deleted), a security group was opened up and RDS instances appear, and a
/// partial run with failures, a new instance, a failed child call of an RDS instance and an
/// RDS instance gone (marked deleted). The key of `dev` failed its last check.
fn seeded() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigil.db");
    let store = Store::open(&path).unwrap();
    let prod = store
        .upsert_connection(&NewConnection {
            name: "prod".into(),
            provider: "baidu".into(),
            account_id: Some("acct-1".into()),
            access_key_id: "AKIDPROD".into(),
            regions: vec!["bj".into(), "gz".into()],
            endpoint_override: None,
        })
        .unwrap();
    store
        .record_verification(prod.id, "valid", r#"{"products":[]}"#)
        .unwrap();
    let dev = store
        .upsert_connection(&NewConnection {
            name: "dev".into(),
            provider: "baidu".into(),
            account_id: None,
            access_key_id: "AKIDDEV".into(),
            regions: vec!["all".into()],
            endpoint_override: Some("127.0.0.1:8080".into()),
        })
        .unwrap();

    let ok = |kind| outcome("bcc", "bj", kind, OutcomeStatus::Ok);
    let r1 = store.begin_run(prod.id).unwrap();
    let page = [
        instance("i-web", "180.76.1.1", "prod"),
        instance("i-db", "", "prod"),
        instance("i-gone", "", "test"),
        security_group("g-open", "0.0.0.0/0"),
    ];
    store.write_assets(&prod, r1, "bcc", &page[..3]).unwrap();
    store
        .write_assets(&prod, r1, "bcc", &[security_group("g-open", "10.0.0.0/8")])
        .unwrap();
    store.record_outcome(r1, &ok("baidu_bcc_instance")).unwrap();
    store.finish_run(r1, RunStatus::Succeeded, None).unwrap();

    let r2 = store.begin_run(prod.id).unwrap();
    store.write_assets(&prod, r2, "bcc", &page[..2]).unwrap();
    store.write_assets(&prod, r2, "bcc", &page[3..]).unwrap();
    let mut instances_ok = ok("baidu_bcc_instance");
    instances_ok.deleted = store
        .mark_missing_deleted(prod.id, r2, "bcc", "baidu_bcc_instance", "bj")
        .unwrap();
    assert_eq!(instances_ok.deleted, 1);
    store.record_outcome(r2, &instances_ok).unwrap();
    let databases = [
        rds("rds-open", &["%"], false),
        rds("rds-world", &["192.168.0.0/16", "0.0.0.0/0"], false),
        rds("rds-private", &["10.0.0.0/8"], false),
        rds("rds-noacl", &["10.0.0.0/8"], true),
    ];
    store.write_assets(&prod, r2, "rds", &databases).unwrap();
    store
        .write_assets(&prod, r2, "rds", &[rds("rds-old", &["10.0.0.0/8"], false)])
        .unwrap();
    store.finish_run(r2, RunStatus::Succeeded, None).unwrap();

    let r3 = store.begin_run(prod.id).unwrap();
    store
        .write_assets(&prod, r3, "bcc", &[instance("i-new", "", "prod")])
        .unwrap();
    store.record_outcome(r3, &ok("baidu_bcc_instance")).unwrap();
    store.set_planned_tasks(r3, 4).unwrap();
    store.write_assets(&prod, r3, "rds", &databases).unwrap();
    let mut rds_outcome = outcome("rds", "bj", "baidu_rds_instance", OutcomeStatus::Ok);
    rds_outcome.asset_count = databases.len() as u64;
    rds_outcome.detail_errors = 1;
    rds_outcome.deleted = store
        .mark_missing_deleted(prod.id, r3, "rds", "baidu_rds_instance", "bj")
        .unwrap();
    assert_eq!(rds_outcome.deleted, 1);
    store.record_outcome(r3, &rds_outcome).unwrap();
    store
        .record_outcome(
            r3,
            &outcome("bcc", "gz", "baidu_bcc_instance", OutcomeStatus::Failed),
        )
        .unwrap();
    store
        .record_outcome(
            r3,
            &outcome("blb", "bj", "baidu_blb_lb", OutcomeStatus::NotAuthorized),
        )
        .unwrap();
    store
        .finish_run(r3, RunStatus::Partial, Some("2 of 3 failed"))
        .unwrap();

    store.record_key_check(prod.id, Ok(())).unwrap();
    store
        .record_key_check(
            dev.id,
            Err("InvalidAccessKeyId: the access key was deleted"),
        )
        .unwrap();
    store
        .record_known_regions(prod.id, &["bj".to_string(), "gz".to_string()])
        .unwrap();

    let d1 = store.begin_run(dev.id).unwrap();
    store
        .write_assets(&dev, d1, "bcc", &[instance("i-dev", "8.8.8.8", "dev")])
        .unwrap();
    store.finish_run(d1, RunStatus::Succeeded, None).unwrap();

    // Findings: prod's runs 2 and 3 and dev's run are evaluated. g-open fails in both prod
    // runs (with the exposed instance as a related resource), rds-open fails in run 2 and
    // passes in run 3 (resolved), rds-world fails muted in run 3, the BLB listing of run 3
    // was not authorized (MANUAL), i-dev fails for dev.
    let ssh = "baidu_bcc_securitygroup_internet_ssh_22";
    let sg = "baidu_bcc_security_group";
    let wl = "baidu_rds_whitelist_allows_any";
    let rds = "baidu_rds_instance";
    let mut open = seed_finding(ssh, sg, "g-open", "FAIL", "high", "bcc");
    open.related = json!([{"kind": "baidu_bcc_instance", "region": "bj", "resource_id": "i-web"}]);
    store
        .write_findings(
            r2,
            &evaluation(),
            &[
                open.clone(),
                seed_finding(wl, rds, "rds-open", "FAIL", "critical", "rds"),
                seed_finding(wl, rds, "rds-private", "PASS", "critical", "rds"),
            ],
        )
        .unwrap();
    let mut world = seed_finding(wl, rds, "rds-world", "FAIL", "critical", "rds");
    world.muted = true;
    world.mute_reason = Some("Partner access, reviewed (SEC-42)".into());
    let mut blb = seed_finding(
        "baidu_blb_internet_facing_without_acl",
        "baidu_blb_lb",
        "*",
        "MANUAL",
        "medium",
        "blb",
    );
    blb.message = "Could not evaluate: listing baidu_blb_lb in bj was not authorized".into();
    store
        .write_findings(
            r3,
            &evaluation(),
            &[
                open,
                seed_finding(wl, rds, "rds-open", "PASS", "critical", "rds"),
                seed_finding(wl, rds, "rds-private", "PASS", "critical", "rds"),
                world,
                blb,
            ],
        )
        .unwrap();
    store
        .write_findings(
            d1,
            &evaluation(),
            &[seed_finding(
                "baidu_bcc_instance_public_admin_exposure",
                "baidu_bcc_instance",
                "i-dev",
                "FAIL",
                "critical",
                "bcc",
            )],
        )
        .unwrap();
    (dir, path)
}

#[test]
fn every_example_query_runs_and_finds_rows() {
    let (_dir, path) = seeded();
    let db =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let queries = blocks("sql");
    assert!(queries.len() >= 8, "only {} example queries", queries.len());
    for sql in &queries {
        let mut stmt = db
            .prepare(sql)
            .unwrap_or_else(|e| panic!("example does not compile: {e}\n{sql}"));
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        let mut n = 0;
        while let Some(row) = rows
            .next()
            .unwrap_or_else(|e| panic!("example fails: {e}\n{sql}"))
        {
            for i in 0..columns {
                let _: rusqlite::types::Value = row.get(i).unwrap();
            }
            n += 1;
        }
        assert!(
            n > 0,
            "example finds nothing in the seeded database:\n{sql}"
        );
    }
}

/// The values of column `name` in the result of `sql`.
fn column(db: &rusqlite::Connection, sql: &str, name: &str) -> Vec<String> {
    let mut stmt = db.prepare(sql).unwrap();
    let index = stmt
        .column_index(name)
        .unwrap_or_else(|_| panic!("no column {name} in\n{sql}"));
    stmt.query_map([], |r| r.get(index))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn specific_examples_find_the_right_rows() {
    let (_dir, path) = seeded();
    let db = rusqlite::Connection::open(&path).unwrap();
    let find = |needle: &str| {
        blocks("sql")
            .into_iter()
            .find(|q| q.contains(needle))
            .unwrap_or_else(|| panic!("no example contains {needle:?}"))
    };
    let public = find("'$.publicIp'), '') <> ''");
    assert_eq!(column(&db, &public, "resource_id"), ["i-dev", "i-web"]);
    let open = find("json_each(a.raw_json, '$.rules')");
    assert_eq!(column(&db, &open, "security_group"), ["g-open"]);
    let tagged = find("'$.tagKey') = 'env'");
    assert_eq!(
        column(&db, &tagged, "resource_id"),
        ["i-dev", "i-db", "i-new", "i-web", "i-gone"]
    );
    let latest = find("WHERE r.id = (SELECT max(id)");
    assert_eq!(column(&db, &latest, "status"), ["succeeded", "partial"]);
    let gone = find("a.last_run_id < (");
    assert_eq!(column(&db, &gone, "resource_id"), ["i-gone"]);
    let failed = find("o.status IN ('failed', 'not_authorized')");
    assert_eq!(column(&db, &failed, "product"), ["bcc", "blb"]);
    let refused = find("o.status = 'not_authorized'");
    assert_eq!(column(&db, &refused, "product"), ["blb"]);
    let appeared = find("a.first_run_id = (");
    assert_eq!(column(&db, &appeared, "resource_id"), ["i-new"]);
    let whitelist = find("'$.securityIps.securityIps'");
    assert_eq!(
        column(&db, &whitelist, "resource_id"),
        ["rds-open", "rds-world"]
    );
    assert_eq!(column(&db, &whitelist, "allowed"), ["%", "0.0.0.0/0"]);
    let child_failures = find("json_each(a.detail_errors_json)");
    assert_eq!(column(&db, &child_failures, "resource_id"), ["rds-noacl"]);
    assert_eq!(column(&db, &child_failures, "call"), ["acl"]);
    assert_eq!(column(&db, &child_failures, "request_id"), ["req-acl"]);
    let failing_kinds = find("o.detail_errors > 0");
    assert_eq!(column(&db, &failing_kinds, "kind"), ["baidu_rds_instance"]);
    let deleted = find("a.deleted_run_id = (");
    assert_eq!(column(&db, &deleted, "resource_id"), ["rds-old"]);
    let changes = find("JOIN asset_history h");
    assert_eq!(column(&db, &changes, "field"), ["rules"]);
    let before = column(&db, &changes, "before");
    assert!(before[0].contains("10.0.0.0/8"), "{before:?}");
    let now = column(&db, &changes, "now");
    assert!(now[0].contains("0.0.0.0/0"), "{now:?}");
    let failing = find("AND f.status = 'FAIL' AND f.muted = 0");
    assert_eq!(column(&db, &failing, "resource_id"), ["i-dev", "g-open"]);
    let per_check = find("GROUP BY f.check_id, f.status");
    assert_eq!(
        column(&db, &per_check, "check_id"),
        [
            "baidu_bcc_securitygroup_internet_ssh_22",
            "baidu_blb_internet_facing_without_acl",
            "baidu_rds_whitelist_allows_any",
            "baidu_rds_whitelist_allows_any"
        ]
    );
    let oldest = find("AS days_open");
    assert_eq!(column(&db, &oldest, "resource_id")[0], "g-open");
    let resolved = find("f.resolved_run_id = (");
    assert_eq!(column(&db, &resolved, "resource_id"), ["rds-open"]);
    let history = find("WHERE f.finding_id = (SELECT finding_id");
    assert_eq!(column(&db, &history, "status"), ["FAIL", "FAIL"]);
    let toxic = find("JOIN json_each(f.related_json)");
    assert_eq!(column(&db, &toxic, "related_id"), ["i-web", "i-web"]);
    let muted = find("WHERE f.muted = 1");
    assert_eq!(
        column(&db, &muted, "mute_reason"),
        ["Partner access, reviewed (SEC-42)"]
    );
    let manual = find("AND f.status = 'MANUAL'");
    assert_eq!(column(&db, &manual, "resource_id"), ["*"]);
    let invalid = find("WHERE key_status = 'invalid'");
    assert_eq!(column(&db, &invalid, "name"), ["dev"]);
    assert_eq!(
        column(&db, &invalid, "reason"),
        ["InvalidAccessKeyId: the access key was deleted"]
    );
}

#[test]
fn every_table_column_and_index_is_documented() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    drop(Store::open(&path).unwrap());
    let db = rusqlite::Connection::open(&path).unwrap();

    let tables = strings(
        &db,
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    );
    assert_eq!(tables.len(), 7, "{tables:?}");
    for table in &tables {
        let doc = section(table);
        let columns = strings(
            &db,
            &format!("SELECT name FROM pragma_table_info('{table}')"),
        );
        assert!(!columns.is_empty());
        for column in &columns {
            assert!(
                doc.contains(&format!("| `{column}` |")),
                "docs/SCHEMA.md does not document {table}.{column}"
            );
        }
        // And documents no column that does not exist.
        for line in doc.lines().filter(|l| l.starts_with("| `")) {
            let documented = line[3..].split('`').next().unwrap();
            assert!(
                columns.iter().any(|c| c == documented),
                "docs/SCHEMA.md documents {table}.{documented}, which does not exist"
            );
        }
    }
    let indexes = strings(
        &db,
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
    );
    assert!(indexes.len() >= 6, "{indexes:?}");
    for index in indexes {
        assert!(
            DOC.contains(&format!("`{index} (")),
            "docs/SCHEMA.md does not document index {index}"
        );
    }
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(
        DOC.contains(&format!("currently **{version}**")),
        "docs/SCHEMA.md states another schema version than {version}"
    );
    assert!(
        DOC.contains(&format!("\n| {version} |")),
        "the schema history lacks version {version}"
    );
}
