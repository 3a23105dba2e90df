//! Checks: BOS object storage (catalog section H) over `baidu_bos_bucket`, plus the storage
//! toxic combination `baidu_bos_bucket_toxic_public_unencrypted_no_logging`.
//!
//! Data (docs/providers/baidu/bos.md): the `ListBuckets` item (`name`, `location`; each bucket
//! is stored in its location region) and the verbatim responses of the child calls `acl`
//! (`{owner, accessControlList: [{grantee[{id}], permission[], resource?, notResource?,
//! condition?, effect?}]}`), `encryption` (`{encryptionAlgorithm}`), `logging` (`{status,
//! targetBucket?, targetPrefix?}`) and `versioning` (`{status}`). The ACL is read from the raw
//! JSON, so an explicit `"secureTransport": false` is seen (the Go model's omitempty would hide
//! it).

use serde_json::{json, Value};
use vigil_checks::{
    AssetView, Check, CheckContext, CheckMeta, Finding, Mapping, Remediation, ResourceRef,
    Severity, Status, Verdict,
};

const KIND: &str = "baidu_bos_bucket";
const RESOURCE_TYPE: &str = "BCE::BOS::Bucket";
const POLICY: &str = "BOSLISTANDReadAccessPolicy";
const ACL_DOCS: &str = "https://intl.cloud.baidu.com/doc/BOS/s/pkc4etf4p-en";
const ENCRYPTION_DOCS: &str = "https://intl.cloud.baidu.com/doc/BOS/s/9kc4f9eqx-en";
const BOS_DOCS: &str = "https://cloud.baidu.com/doc/BOS/index.html";
/// Built-in default of `allowed_sse` (used only if the engine does not know the key).
const DEFAULT_ALLOWED_SSE: &[&str] = &["AES256", "SM4", "KMS"];

// ---------------------------------------------------------------------------------------------
// ACL analysis.

/// What a grant gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

impl Access {
    fn word(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// Whether a permission name grants `access`: the canned words (`READ`, `LIST`, `WRITE`,
/// `MODIFY`, `FULL_CONTROL`, `*`) and the fine-grained object actions (`GetObject`,
/// `ListObjects`, `PutObject`, `DeleteObject`, multipart upload actions, ...).
fn grants(permission: &str, access: Access) -> bool {
    let p = permission.trim();
    let word = |w: &str| p.eq_ignore_ascii_case(w);
    if word("FULL_CONTROL") || p == "*" {
        return true;
    }
    let object_level = p.contains("Object") || p.contains("Part") || p.contains("Upload");
    match access {
        Access::Read => {
            word("READ")
                || word("LIST")
                || (object_level
                    && ["Get", "List", "Head", "Select"]
                        .iter()
                        .any(|v| p.starts_with(v)))
        }
        Access::Write => {
            word("WRITE")
                || word("MODIFY")
                || p == "PutBucketAcl"
                || p == "DeleteBucket"
                || (object_level
                    && [
                        "Put", "Delete", "Post", "Append", "Copy", "Rename", "Restore", "Fetch",
                        "Initiate", "Upload", "Complete", "Abort",
                    ]
                    .iter()
                    .any(|v| p.starts_with(v)))
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

fn grantee_is_everyone(entry: &Value) -> bool {
    entry
        .get("grantee")
        .and_then(Value::as_array)
        .is_some_and(|g| {
            g.iter()
                .any(|x| x.get("id").and_then(Value::as_str) == Some("*"))
        })
}

fn is_deny(entry: &Value) -> bool {
    entry
        .get("effect")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("deny"))
}

/// The entry's condition as a list of objects (`condition` is an object in the API model; some
/// SDK docs show a list of objects — both are accepted).
fn conditions(entry: &Value) -> Vec<&serde_json::Map<String, Value>> {
    match entry.get("condition") {
        Some(Value::Object(m)) => vec![m],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// A condition value that says nothing (`null`, `""`, `[]`, `{}` or an object of such).
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.iter().all(is_blank),
        Value::Object(m) => m.values().all(is_blank),
        _ => false,
    }
}

/// The condition keys that restrict who can use a grant: a source IP list, a VPC, a referer
/// (an `*`-only referer or IP `0.0.0.0/0` restricts nothing).
fn narrowing_conditions(entry: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for c in conditions(entry) {
        let ips: Vec<&str> = strings(c.get("ipAddress"));
        if !ips.is_empty()
            && !ips
                .iter()
                .any(|ip| matches!(ip.trim(), "0.0.0.0/0" | "*" | "::/0"))
        {
            out.push("ipAddress".to_string());
        }
        if !strings(c.get("vpcId")).is_empty() {
            out.push("vpcId".to_string());
        }
        if let Some(r) = c.get("referer") {
            let patterns: Vec<&str> = ["stringLike", "stringEquals"]
                .iter()
                .flat_map(|k| strings(r.get(*k)))
                .collect();
            if patterns
                .iter()
                .any(|p| !p.trim().is_empty() && p.trim() != "*")
            {
                out.push("referer".to_string());
            }
        }
    }
    out
}

/// Whether the entry has no condition at all (every condition value blank).
fn unconditional(entry: &Value) -> bool {
    conditions(entry).iter().all(|c| c.values().all(is_blank))
}

/// Whether a resource pattern covers every object of `bucket`.
fn covers_all_objects(resource: &str, bucket: &str) -> bool {
    let r = resource.trim();
    r == "*" || r == format!("{bucket}/*") || r == format!("{bucket}*")
}

/// Whether the entry applies to the whole bucket and all its objects (no `resource` means the
/// whole bucket; `notResource` carves something out).
fn whole_bucket(entry: &Value, bucket: &str) -> bool {
    let resources = strings(entry.get("resource"));
    strings(entry.get("notResource")).is_empty()
        && (resources.is_empty() || resources.iter().any(|r| covers_all_objects(r, bucket)))
}

/// Whether the entry applies to the bucket or any of its objects.
fn touches_bucket(entry: &Value, bucket: &str) -> bool {
    let resources = strings(entry.get("resource"));
    resources.is_empty()
        || resources.iter().any(|r| {
            let r = r.trim();
            r == "*"
                || r.strip_prefix(bucket)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '*']))
        })
}

fn entries(acl: &Value) -> Result<&[Value], String> {
    acl.get("accessControlList")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| "acl: the response has no accessControlList".to_string())
}

/// The grants to everyone that give `access` to the bucket's data without a narrowing condition
/// and are not neutralised by an unconditional whole-bucket Deny for everyone; each as
/// evidence (`index`, `permission`, `resource`, `condition`).
fn public_grants(bucket: &str, acl: &Value, access: Access) -> Result<Vec<Value>, String> {
    let list = entries(acl)?;
    let denied: Vec<&str> = list
        .iter()
        .filter(|e| {
            is_deny(e) && grantee_is_everyone(e) && unconditional(e) && whole_bucket(e, bucket)
        })
        .flat_map(|e| strings(e.get("permission")))
        .collect();
    let is_denied = |p: &str| {
        denied.iter().any(|d| {
            d.eq_ignore_ascii_case(p)
                || d.eq_ignore_ascii_case("FULL_CONTROL")
                || *d == "*"
                || (access == Access::Read && d.eq_ignore_ascii_case("READ"))
                || (access == Access::Write && d.eq_ignore_ascii_case("WRITE"))
        })
    };
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        if is_deny(e) || !grantee_is_everyone(e) || !touches_bucket(e, bucket) {
            continue;
        }
        if !narrowing_conditions(e).is_empty() {
            continue;
        }
        let perms: Vec<&str> = strings(e.get("permission"))
            .into_iter()
            .filter(|p| grants(p, access))
            .collect();
        if perms.is_empty() || perms.iter().all(|p| is_denied(p)) {
            continue;
        }
        out.push(json!({
            "index": i,
            "grantee": "*",
            "permission": e.get("permission"),
            "resource": e.get("resource"),
            "condition": e.get("condition"),
        }));
    }
    Ok(out)
}

/// Everyone-grants kept out of a public finding because a condition narrows them (evidence for
/// a PASS).
fn narrowed_grants(acl: &Value) -> Vec<Value> {
    entries(acl)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, e)| !is_deny(e) && grantee_is_everyone(e))
        .filter_map(|(i, e)| {
            let by = narrowing_conditions(e);
            (!by.is_empty())
                .then(|| json!({"index": i, "permission": e.get("permission"), "narrowedBy": by}))
        })
        .collect()
}

fn acl_manual(e: &str) -> Verdict {
    Verdict::manual(format!(
        "{e} — GetBucketAcl (GET /{{bucket}}?acl; policy {POLICY})"
    ))
}

fn public_verdict(asset: &AssetView, access: Access) -> Verdict {
    let acl = match asset.detail("acl") {
        Ok(v) => v,
        Err(e) => return acl_manual(&e),
    };
    let found = match public_grants(&asset.resource_id, acl, access) {
        Ok(f) => f,
        Err(e) => return acl_manual(&e),
    };
    if found.is_empty() {
        Verdict::pass(
            format!("no unconditional {} grant to everyone (*)", access.word()),
            json!({"publicGrants": [], "narrowedEveryoneGrants": narrowed_grants(acl)}),
        )
    } else {
        let perms: Vec<String> = found
            .iter()
            .flat_map(|g| strings(g.get("permission")).into_iter().map(str::to_string))
            .collect();
        Verdict::fail(
            format!(
                "bucket ACL grants everyone (*) {} access without a narrowing condition ({})",
                access.word(),
                perms.join(", ")
            ),
            json!({"publicGrants": found}),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Encryption and logging facts (shared with the toxic combination).

/// `Ok(Some(alg))` when the bucket's algorithm counts as encrypted, `Ok(None)` when it has no
/// (acceptable) default encryption, with the algorithm seen; `Err` when unknown.
fn encryption_state(asset: &AssetView, allowed: &[String]) -> Result<(bool, String), String> {
    match asset.detail("encryption") {
        Ok(v) => {
            let alg = v
                .get("encryptionAlgorithm")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string();
            let ok = !alg.is_empty() && allowed.iter().any(|a| a.eq_ignore_ascii_case(&alg));
            Ok((ok, alg))
        }
        Err(e) => {
            // "Not found" for the encryption sub-resource means none is configured (catalog);
            // NoSuchBucket (deleted during the sync) does not.
            let not_configured = asset.detail_errors.iter().any(|d| {
                d.call == "encryption"
                    && d.kind == vigil_core::ErrorKind::NotFound
                    && d.code.as_deref() != Some("NoSuchBucket")
            });
            if not_configured {
                Ok((false, String::new()))
            } else {
                Err(format!(
                    "{e} — GetBucketEncryption (GET /{{bucket}}?encryption; policy {POLICY})"
                ))
            }
        }
    }
}

fn allowed_sse(ctx: &CheckContext<'_>) -> Vec<String> {
    if ctx.params().get("allowed_sse").is_some() {
        ctx.params().list("allowed_sse")
    } else {
        DEFAULT_ALLOWED_SSE.iter().map(|s| s.to_string()).collect()
    }
}

/// `(enabled, status, targetBucket)` from the logging call.
fn logging_state(asset: &AssetView) -> Result<(bool, String, String), String> {
    let v = asset.detail("logging").map_err(|e| {
        format!("{e} — GetBucketLogging (GET /{{bucket}}?logging; policy {POLICY})")
    })?;
    let status = v
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let target = v
        .get("targetBucket")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    Ok((
        status.eq_ignore_ascii_case("enabled") && !target.is_empty(),
        status,
        target,
    ))
}

// ---------------------------------------------------------------------------------------------
// baidu_bos_bucket_public_read

static BOS_PUBLIC_READ: Check = Check {
    meta: CheckMeta {
        id: "baidu_bos_bucket_public_read",
        provider: "baidu",
        title: "BOS bucket allows anonymous read or list",
        service: "bos",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Critical,
        description: "Fails when the bucket ACL (GetBucketAcl) has an Allow entry for grantee `*` with \
            `READ`, `LIST`, `FULL_CONTROL` or an object-read action (GetObject, ListObjects, ...) on the \
            bucket or its objects, with no narrowing condition (`ipAddress`, `vpcId`, `referer`), that is \
            not neutralised by an unconditional whole-bucket Deny for `*`.",
        risk: "Anyone on the Internet can list and download the bucket's objects; public buckets are the \
            most common root cause of cloud data leaks.",
        remediation: Remediation {
            text: "Set the bucket ACL to private and remove grants to everyone (*). Serve public content \
                through CDN with origin authentication or through presigned URLs; if a grant to everyone is \
                required, narrow it with a referer, source-IP or VPC condition.",
            console: "BOS console → Bucket list → select the bucket → Configuration management (Bucket \
                settings) → Bucket permission → set Read/Write permission to Private → remove custom \
                entries whose grantee is all users (*) → Save.",
            cli: Some("bcecmd bosapi put-bucket-acl --bucket-name <bucket> --canned private"),
            terraform: Some(
                "resource \"baiducloud_bos_bucket\" \"b\" {\n  bucket = \"<bucket>\"\n  acl    = \"private\"\n}",
            ),
            url: ACL_DOCS,
        },
        categories: &["internet-exposed", "data-protection"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "5.1" },
            Mapping { framework: "cis_aws_5.0", requirement: "2.1.4" },
            Mapping { framework: "prowler", requirement: "alibabacloud/oss_bucket_not_publicly_accessible" },
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_public_access" },
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_public_list_acl" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.8" },
        ],
        reads: &[KIND],
    },
    evaluate: |ctx| ctx.per_asset(&BOS_PUBLIC_READ, KIND, |a| public_verdict(a, Access::Read)),
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BOS_PUBLIC_READ) }

// ---------------------------------------------------------------------------------------------
// baidu_bos_bucket_public_write

static BOS_PUBLIC_WRITE: Check = Check {
    meta: CheckMeta {
        id: "baidu_bos_bucket_public_write",
        provider: "baidu",
        title: "BOS bucket allows anonymous write",
        service: "bos",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Critical,
        description: "Fails when the bucket ACL (GetBucketAcl) has an Allow entry for grantee `*` with \
            `WRITE`, `MODIFY`, `FULL_CONTROL` or an object-write/delete action (PutObject, DeleteObject, \
            multipart upload, PutBucketAcl, ...) on the bucket or its objects, with no narrowing condition \
            (`ipAddress`, `vpcId`, `referer`), not neutralised by an unconditional whole-bucket Deny for `*`.",
        risk: "Anyone can upload, overwrite or delete objects: malware hosting, data tampering, \
            ransomware-style deletion and storage-cost abuse.",
        remediation: Remediation {
            text: "Remove the write grant to everyone immediately (set the ACL to private), then review the \
                bucket's objects for tampering and unexpected uploads.",
            console: "BOS console → Bucket list → select the bucket → Configuration management (Bucket \
                settings) → Bucket permission → set Read/Write permission to Private (or at most Public read) \
                → remove custom entries granting all users (*) write → Save.",
            cli: Some("bcecmd bosapi put-bucket-acl --bucket-name <bucket> --canned private"),
            terraform: Some(
                "resource \"baiducloud_bos_bucket\" \"b\" {\n  bucket = \"<bucket>\"\n  acl    = \"private\"\n}",
            ),
            url: ACL_DOCS,
        },
        categories: &["internet-exposed", "data-protection"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_public_write_acl" },
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_policy_public_write_access" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.7" },
        ],
        reads: &[KIND],
    },
    evaluate: |ctx| ctx.per_asset(&BOS_PUBLIC_WRITE, KIND, |a| public_verdict(a, Access::Write)),
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BOS_PUBLIC_WRITE) }

// ---------------------------------------------------------------------------------------------
// baidu_bos_bucket_default_encryption_disabled

static BOS_ENCRYPTION: Check = Check {
    meta: CheckMeta {
        id: "baidu_bos_bucket_default_encryption_disabled",
        provider: "baidu",
        title: "BOS bucket has no default server-side encryption",
        service: "bos",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when GetBucketEncryption reports no encryption configuration (no algorithm, \
            `NONE`, or a not-found answer) or an algorithm not in `allowed_sse` (default AES256, SM4, KMS).",
        risk: "Objects are stored unencrypted at rest; at-rest encryption is required by MLPS 2.0, PCI DSS \
            and most frameworks and limits exposure of storage media and backups.",
        remediation: Remediation {
            text: "Enable default server-side encryption on the bucket (PutBucketEncryption with AES256 or SM4, \
                or KMS). Existing objects are not re-encrypted; copy them onto themselves if required.",
            console: "BOS console → Bucket list → select the bucket → Configuration management (Bucket \
                settings) → Server-side encryption → enable, choose AES256 or SM4 → Save.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_bos_bucket\" \"b\" {\n  bucket = \"<bucket>\"\n  server_side_encryption_rule = \"AES256\"\n}",
            ),
            url: ENCRYPTION_DOCS,
        },
        categories: &["encryption"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "5.8" },
            Mapping { framework: "cis_alibaba_2.0", requirement: "5.9" },
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_default_encryption" },
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_kms_encryption" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.8" },
        ],
        reads: &[KIND],
    },
    evaluate: evaluate_encryption,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BOS_ENCRYPTION) }

fn evaluate_encryption(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let allowed = allowed_sse(ctx);
    ctx.per_asset(&BOS_ENCRYPTION, KIND, |a| {
        match encryption_state(a, &allowed) {
            Err(e) => Verdict::manual(e),
            Ok((true, alg)) => Verdict::pass(
                format!("default server-side encryption {alg}"),
                json!({"encryptionAlgorithm": alg, "allowed_sse": allowed}),
            ),
            Ok((false, alg)) => {
                let shown = if alg.is_empty() {
                    "none".to_string()
                } else {
                    alg.clone()
                };
                Verdict::fail(
                    format!("no accepted default server-side encryption (algorithm: {shown})"),
                    json!({"encryptionAlgorithm": alg, "allowed_sse": allowed}),
                )
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_bos_bucket_access_logging_disabled

static BOS_LOGGING: Check = Check {
    meta: CheckMeta {
        id: "baidu_bos_bucket_access_logging_disabled",
        provider: "baidu",
        title: "BOS bucket access logging disabled",
        service: "bos",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when GetBucketLogging's `status` is not `enabled` or `targetBucket` is empty. \
            Buckets listed in `bos_log_target_buckets` (the log-receiving buckets) are NOT_APPLICABLE.",
        risk: "Without access logs, data exfiltration or tampering cannot be detected or scoped after the \
            fact.",
        remediation: Remediation {
            text: "Enable access logging to a dedicated private log bucket in the same region with a per-bucket \
                prefix, and protect the log bucket (private ACL, versioning, lifecycle).",
            console: "BOS console → Bucket list → select the bucket → Configuration management (Bucket \
                settings) → Log management (Logging) → enable → choose the target bucket and a log prefix → Save.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_bos_bucket\" \"b\" {\n  bucket = \"<bucket>\"\n  logging {\n    target_bucket = \"<log-bucket>\"\n    target_prefix = \"<bucket>/\"\n  }\n}",
            ),
            url: BOS_DOCS,
        },
        categories: &["logging"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "5.3" },
            Mapping { framework: "prowler", requirement: "alibabacloud/oss_bucket_logging_enabled" },
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_server_access_logging_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.3" },
        ],
        reads: &[KIND],
    },
    evaluate: evaluate_logging,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BOS_LOGGING) }

fn evaluate_logging(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let exempt = ctx.params().list("bos_log_target_buckets");
    ctx.per_asset(&BOS_LOGGING, KIND, |a| {
        if exempt.iter().any(|b| b.trim() == a.resource_id) {
            return Verdict::na(format!(
                "{} is a log-target bucket (parameter bos_log_target_buckets)",
                a.resource_id
            ));
        }
        match logging_state(a) {
            Err(e) => Verdict::manual(e),
            Ok((true, status, target)) => Verdict::pass(
                format!("access logging enabled to {target}"),
                json!({"status": status, "targetBucket": target}),
            ),
            Ok((false, status, target)) => {
                // A bucket that receives other buckets' logs may be exempted on purpose.
                let receives = ctx
                    .assets(KIND)
                    .iter()
                    .filter(|o| o.resource_id != a.resource_id)
                    .filter(|o| logging_state(o).is_ok_and(|(_, _, t)| t == a.resource_id))
                    .count();
                let hint = if receives > 0 {
                    format!(
                        " (it receives the access logs of {receives} bucket(s); list it in bos_log_target_buckets if that is intended)"
                    )
                } else {
                    String::new()
                };
                let shown = if status.is_empty() { "absent" } else { status.as_str() };
                Verdict::fail(
                    format!("access logging is not enabled (status {shown}){hint}"),
                    json!({"status": status, "targetBucket": target}),
                )
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_bos_bucket_versioning_disabled

static BOS_VERSIONING: Check = Check {
    meta: CheckMeta {
        id: "baidu_bos_bucket_versioning_disabled",
        provider: "baidu",
        title: "BOS bucket versioning disabled",
        service: "bos",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Low,
        description: "Fails when GetBucketVersioning's `status` is not `enabled` (disabled, suspended or \
            absent). The trash directory (GetBucketTrash), a compensating control, is not collected by Vigil: \
            a failing bucket with trash enabled should be muted with that reason.",
        risk: "Overwritten or deleted objects (mistakes, compromised keys, ransomware) cannot be recovered.",
        remediation: Remediation {
            text: "Enable versioning (with a lifecycle rule expiring old versions) or, at least, the trash \
                feature.",
            console: "BOS console → Bucket list → select the bucket → Configuration management (Bucket \
                settings) → Versioning → enable → Save (or Trash → enable).",
            cli: None,
            terraform: None,
            url: BOS_DOCS,
        },
        categories: &["resilience"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_object_versioning" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.9" },
        ],
        reads: &[KIND],
    },
    evaluate: |ctx| ctx.per_asset(&BOS_VERSIONING, KIND, versioning_verdict),
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BOS_VERSIONING) }

fn versioning_verdict(asset: &AssetView) -> Verdict {
    let v = match asset.detail("versioning") {
        Ok(v) => v,
        Err(e) => {
            return Verdict::manual(format!(
                "{e} — GetBucketVersioning (GET /{{bucket}}?versioning; policy {POLICY})"
            ))
        }
    };
    let status = v.get("status").and_then(Value::as_str).unwrap_or("");
    let evidence = json!({"status": status, "trash": "not collected (GetBucketTrash)"});
    if status.eq_ignore_ascii_case("enabled") {
        Verdict::pass("versioning enabled", evidence)
    } else {
        let shown = if status.is_empty() { "absent" } else { status };
        Verdict::fail(
            format!(
                "versioning is not enabled (status {shown}); the trash setting is not collected"
            ),
            evidence,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// baidu_bos_bucket_https_not_enforced

static BOS_HTTPS: Check = Check {
    meta: CheckMeta {
        id: "baidu_bos_bucket_https_not_enforced",
        provider: "baidu",
        title: "BOS bucket does not deny non-HTTPS requests",
        service: "bos",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when the bucket ACL has no entry with effect `Deny`, grantee `*`, covering all \
            of the bucket's objects (no `resource`, `*`, `<bucket>/*`), with condition `secureTransport = \
            false` (read from the raw JSON) and permissions covering both reads and writes (`FULL_CONTROL`, \
            `*`, or read and write permissions), and no other narrowing condition.",
        risk: "Plain-HTTP requests expose object data, request signatures and presigned-URL material to \
            anyone on the network path.",
        remediation: Remediation {
            text: "Add an ACL entry that denies everyone (*) every permission on <bucket>/* when the request is \
                not made over HTTPS (condition secureTransport = false), keeping the existing grants.",
            console: "BOS console → Bucket list → select the bucket → Configuration management (Bucket \
                settings) → Bucket permission → Custom permission → add: effect Deny, user All users (*), \
                resource <bucket>/*, permission Full control, condition HTTPS-only (secureTransport false) → Save.",
            cli: Some(
                "bcecmd bosapi put-bucket-acl --bucket-name <bucket> --acl-config-file acl.json  # acl.json = the current \
                 accessControlList plus {\"grantee\":[{\"id\":\"*\"}],\"permission\":[\"FULL_CONTROL\"],\"effect\":\"Deny\",\
                 \"resource\":[\"<bucket>/*\"],\"condition\":{\"secureTransport\":false}}",
            ),
            terraform: None,
            url: ACL_DOCS,
        },
        categories: &["encryption"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "5.4" },
            Mapping { framework: "cis_aws_5.0", requirement: "2.1.1" },
            Mapping { framework: "prowler", requirement: "alibabacloud/oss_bucket_secure_transport_enabled" },
            Mapping { framework: "prowler", requirement: "aws/s3_bucket_secure_transport_policy" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.2.2" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.8" },
        ],
        reads: &[KIND],
    },
    evaluate: |ctx| ctx.per_asset(&BOS_HTTPS, KIND, https_verdict),
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BOS_HTTPS) }

/// `condition.secureTransport` is an explicit false (boolean, or the string "false").
fn denies_insecure_transport(entry: &Value) -> bool {
    conditions(entry)
        .iter()
        .any(|c| match c.get("secureTransport") {
            Some(Value::Bool(b)) => !b,
            Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("false"),
            _ => false,
        })
}

fn https_verdict(asset: &AssetView) -> Verdict {
    let bucket = asset.resource_id.as_str();
    let acl = match asset.detail("acl") {
        Ok(v) => v,
        Err(e) => return acl_manual(&e),
    };
    let list = match entries(acl) {
        Ok(l) => l,
        Err(e) => return acl_manual(&e),
    };
    let mut partial = Vec::new();
    for (i, e) in list.iter().enumerate() {
        if !(is_deny(e)
            && grantee_is_everyone(e)
            && whole_bucket(e, bucket)
            && denies_insecure_transport(e)
            && narrowing_conditions(e).is_empty())
        {
            continue;
        }
        let perms = strings(e.get("permission"));
        let read = perms.iter().any(|p| grants(p, Access::Read));
        let write = perms.iter().any(|p| grants(p, Access::Write));
        let shown = json!({"index": i, "effect": e.get("effect"), "grantee": "*",
                           "permission": e.get("permission"), "resource": e.get("resource"),
                           "condition": e.get("condition")});
        if read && write {
            return Verdict::pass(
                "bucket ACL denies every non-HTTPS request",
                json!({"denyEntry": shown}),
            );
        }
        partial.push(shown);
    }
    if partial.is_empty() {
        Verdict::fail(
            "no ACL entry denies non-HTTPS requests (Deny, grantee *, condition secureTransport=false)",
            json!({"denyEntries": []}),
        )
    } else {
        Verdict::fail(
            "the non-HTTPS Deny entries do not cover both reads and writes",
            json!({"denyEntries": partial}),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// baidu_bos_bucket_toxic_public_unencrypted_no_logging

static BOS_TOXIC: Check = Check {
    meta: CheckMeta {
        id: "baidu_bos_bucket_toxic_public_unencrypted_no_logging",
        provider: "baidu",
        title: "Public BOS bucket without default encryption and without access logging",
        service: "bos",
        resource_type: RESOURCE_TYPE,
        severity: Severity::High,
        description: "Toxic combination. Fails when a bucket is readable or writable by everyone (as in \
            baidu_bos_bucket_public_read / _public_write), has no accepted default encryption (as in \
            baidu_bos_bucket_default_encryption_disabled) and has no access logging (as in \
            baidu_bos_bucket_access_logging_disabled). Passes as soon as one of the three is known to be in \
            place; MANUAL when the others fail and one is unknown. The finding's related resources are the \
            bucket and its logging target bucket, if any.",
        risk: "An exposed bucket whose data is unencrypted and whose access is not logged can be drained or \
            altered with no record: the leak can be neither prevented nor scoped afterwards.",
        remediation: Remediation {
            text: "First remove the grants to everyone (private ACL); then enable default encryption and access \
                logging to a private log bucket.",
            console: "BOS console → Bucket list → select the bucket → Configuration management (Bucket \
                settings) → Bucket permission: Private → Server-side encryption: enable AES256/SM4 → Log \
                management: enable to a private log bucket.",
            cli: Some("bcecmd bosapi put-bucket-acl --bucket-name <bucket> --canned private"),
            terraform: Some(
                "resource \"baiducloud_bos_bucket\" \"b\" {\n  bucket = \"<bucket>\"\n  acl    = \"private\"\n  server_side_encryption_rule = \"AES256\"\n  logging {\n    target_bucket = \"<log-bucket>\"\n    target_prefix = \"<bucket>/\"\n  }\n}",
            ),
            url: ACL_DOCS,
        },
        categories: &["internet-exposed", "encryption", "logging", "toxic-combination"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "5.1" },
            Mapping { framework: "prowler", requirement: "alibabacloud/oss_bucket_not_publicly_accessible" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.3" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.8" },
        ],
        reads: &[KIND],
    },
    evaluate: evaluate_toxic,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BOS_TOXIC) }

/// One leg of the combination: `Ok(true)` bad, `Ok(false)` in place, `Err` unknown.
type Leg = Result<bool, String>;

fn toxic_legs(asset: &AssetView, allowed: &[String]) -> (Leg, Leg, Leg, Value) {
    let bucket = asset.resource_id.as_str();
    let public: Leg = asset.detail("acl").and_then(|acl| {
        let r = public_grants(bucket, acl, Access::Read)?;
        let w = public_grants(bucket, acl, Access::Write)?;
        Ok(!r.is_empty() || !w.is_empty())
    });
    let enc = encryption_state(asset, allowed);
    let log = logging_state(asset);
    let acl_grants = asset
        .detail("acl")
        .ok()
        .map(|acl| {
            let r = public_grants(bucket, acl, Access::Read).unwrap_or_default();
            let w = public_grants(bucket, acl, Access::Write).unwrap_or_default();
            json!({"read": r, "write": w})
        })
        .unwrap_or(Value::Null);
    let evidence = json!({
        "publicGrants": acl_grants,
        "encryptionAlgorithm": enc.as_ref().ok().map(|(_, alg)| alg.clone()),
        "logging": log.as_ref().ok().map(|(_, status, target)| json!({"status": status, "targetBucket": target})),
    });
    (
        public,
        enc.map(|(ok, _)| !ok),
        log.map(|(enabled, _, _)| !enabled),
        evidence,
    )
}

fn evaluate_toxic(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let allowed = allowed_sse(ctx);
    let mut findings = ctx.per_asset(&BOS_TOXIC, KIND, |a| {
        let (public, unencrypted, no_logging, evidence) = toxic_legs(a, &allowed);
        let legs = [
            ("public", "not readable or writable by everyone", &public),
            ("unencrypted", "default encryption is on", &unencrypted),
            ("no logging", "access logging is on", &no_logging),
        ];
        let safe: Vec<&str> = legs
            .iter()
            .filter(|(_, _, l)| matches!(l, Ok(false)))
            .map(|(_, why, _)| *why)
            .collect();
        if !safe.is_empty() {
            return Verdict::pass(
                format!("not a toxic combination: {}", safe.join(", ")),
                evidence,
            );
        }
        let unknown: Vec<String> = legs
            .iter()
            .filter_map(|(name, _, l)| l.as_ref().err().map(|e| format!("{name}: {e}")))
            .collect();
        if !unknown.is_empty() {
            return Verdict::manual(unknown.join("; "));
        }
        Verdict::fail(
            "bucket is accessible to everyone, unencrypted and without access logging",
            evidence,
        )
    });
    for f in &mut findings {
        if f.status != Status::Fail || f.resource_kind != KIND {
            continue;
        }
        let Some(asset) = ctx
            .assets(KIND)
            .iter()
            .find(|a| a.resource_id == f.resource_id && a.region == f.region)
        else {
            continue;
        };
        f.related = toxic_related(ctx, asset);
    }
    findings
}

/// The bucket itself, then its logging target bucket if one is named (even with logging off),
/// located in its stored region when it is one of the account's buckets, else in the bucket's
/// region (BOS logs to a bucket of the same region).
fn toxic_related(ctx: &CheckContext<'_>, asset: &AssetView) -> Vec<ResourceRef> {
    let mut related = vec![asset.to_ref()];
    if let Ok((_, _, target)) = logging_state(asset) {
        if !target.is_empty() && target != asset.resource_id {
            related.push(match ctx.asset(KIND, &target) {
                Some(t) => t.to_ref(),
                None => ResourceRef {
                    kind: KIND.to_string(),
                    region: asset.region.clone(),
                    resource_id: target,
                },
            });
        }
    }
    related
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_checks::Coverage;

    const OWNER: &str = "8c6a1e0f2b3d4c5e9f7a8b6c5d4e3f21";

    fn owner_entry() -> Value {
        json!({"grantee": [{"id": OWNER}], "permission": ["FULL_CONTROL"]})
    }

    /// A bucket with the given ACL entries (after the owner's) and settings.
    fn bucket(
        name: &str,
        extra: Vec<Value>,
        encryption: &str,
        logging: Value,
        versioning: &str,
    ) -> AssetView {
        let mut acl = vec![owner_entry()];
        acl.extend(extra);
        AssetView::new(
            KIND,
            "bj",
            name,
            json!({"name": name, "location": "bj", "creationDate": "2023-09-09T09:09:09Z"}),
        )
        .with_name(name)
        .with_detail(
            "acl",
            json!({"owner": {"id": OWNER}, "accessControlList": acl}),
        )
        .with_detail("encryption", json!({"encryptionAlgorithm": encryption}))
        .with_detail("logging", logging)
        .with_detail("versioning", json!({"status": versioning}))
        .with_detail("location", json!({"locationConstraint": "bj"}))
    }

    fn private_clean() -> AssetView {
        bucket(
            "prod-private",
            vec![],
            "AES256",
            json!({"status": "enabled", "targetBucket": "bj-logs", "targetPrefix": "prod-private/"}),
            "enabled",
        )
    }

    fn public_read() -> AssetView {
        bucket(
            "prod-assets",
            vec![json!({"grantee": [{"id": "*"}], "permission": ["READ"]})],
            "NONE",
            json!({"status": "disabled"}),
            "disabled",
        )
    }

    fn public_read_write() -> AssetView {
        bucket(
            "uploads",
            vec![json!({"grantee": [{"id": "*"}], "permission": ["READ", "WRITE"]})],
            "SM4",
            json!({"status": "disabled"}),
            "suspended",
        )
    }

    fn run(check: &Check, assets: Vec<AssetView>) -> Vec<Finding> {
        (check.evaluate)(&CheckContext::for_test(assets).build())
    }

    fn only(check: &Check, asset: AssetView) -> Finding {
        let mut f = run(check, vec![asset]);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.remove(0)
    }

    fn acl_failed(mut a: AssetView) -> AssetView {
        a.details.as_object_mut().unwrap().remove("acl");
        a.with_detail_error("acl", "403 AccessDenied")
    }

    // --- public read

    #[test]
    fn public_read_fails_for_a_canned_public_read_bucket() {
        let f = only(&BOS_PUBLIC_READ, public_read());
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.resource_id, "prod-assets");
        assert_eq!(f.region, "bj");
        assert_eq!(f.evidence["publicGrants"][0]["index"], 1);
        assert_eq!(f.evidence["publicGrants"][0]["permission"], json!(["READ"]));
    }

    #[test]
    fn public_read_fails_for_fine_grained_object_reads_on_a_prefix() {
        let a = bucket(
            "site",
            vec![
                json!({"grantee": [{"id": "*"}], "permission": ["GetObject"], "resource": ["site/public/*"],
                        "effect": "Allow", "condition": {"secureTransport": true}}),
            ],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        let f = only(&BOS_PUBLIC_READ, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.evidence["publicGrants"][0]["resource"],
            json!(["site/public/*"])
        );
    }

    #[test]
    fn public_read_passes_for_private_and_narrowed_grants() {
        let f = only(&BOS_PUBLIC_READ, private_clean());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "prod-private");
        assert_eq!(f.evidence["publicGrants"], json!([]));

        // The simulator's referer-conditioned grant to everyone, and a source-IP one.
        let a = bucket(
            "cdn-origin",
            vec![
                json!({"grantee": [{"id": "*"}], "permission": ["READ", "LIST"], "resource": ["cdn-origin/public/*"],
                       "condition": {"referer": {"stringLike": ["https://*.example.com/*"]}}}),
                json!({"grantee": [{"id": "*"}], "permission": ["READ"], "condition": {"ipAddress": ["10.0.0.0/8"]}}),
            ],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        let f = only(&BOS_PUBLIC_READ, a);
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(
            f.evidence["narrowedEveryoneGrants"][0]["narrowedBy"],
            json!(["referer"])
        );
        assert_eq!(
            f.evidence["narrowedEveryoneGrants"][1]["narrowedBy"],
            json!(["ipAddress"])
        );
    }

    #[test]
    fn a_wildcard_referer_or_any_ip_does_not_narrow() {
        let a = bucket(
            "leaky",
            vec![json!({"grantee": [{"id": "*"}], "permission": ["READ"],
                        "condition": {"referer": {"stringLike": ["*"]}, "ipAddress": ["0.0.0.0/0"]}})],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        assert_eq!(only(&BOS_PUBLIC_READ, a).status, Status::Fail);
    }

    #[test]
    fn an_unconditional_whole_bucket_deny_neutralises_a_public_grant() {
        let a = bucket(
            "denied",
            vec![
                json!({"grantee": [{"id": "*"}], "permission": ["READ"]}),
                json!({"grantee": [{"id": "*"}], "permission": ["FULL_CONTROL"], "effect": "Deny",
                       "resource": ["denied/*"]}),
            ],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        assert_eq!(only(&BOS_PUBLIC_READ, a.clone()).status, Status::Pass);
        // A conditional Deny (only plain HTTP) does not.
        let mut b = a;
        b.details["acl"]["accessControlList"][2]["condition"] = json!({"secureTransport": false});
        assert_eq!(only(&BOS_PUBLIC_READ, b).status, Status::Fail);
    }

    #[test]
    fn public_read_is_manual_when_the_acl_call_failed() {
        let f = only(&BOS_PUBLIC_READ, acl_failed(public_read()));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("acl failed"), "{}", f.message);
        assert!(f.message.contains("GetBucketAcl"), "{}", f.message);
    }

    #[test]
    fn a_bucket_list_that_was_not_authorized_is_manual() {
        let ctx = CheckContext::for_test(vec![])
            .coverage(
                KIND,
                "global",
                Coverage::NotAuthorized {
                    policy: Some(POLICY.into()),
                },
            )
            .build();
        let f = (BOS_PUBLIC_READ.evaluate)(&ctx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Manual);
        assert_eq!(f[0].resource_id, "*");
    }

    // --- public write

    #[test]
    fn public_write_fails_for_public_read_write() {
        let f = only(&BOS_PUBLIC_WRITE, public_read_write());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "uploads");
        assert_eq!(
            f.evidence["publicGrants"][0]["permission"],
            json!(["READ", "WRITE"])
        );
        // Fine-grained writes count too.
        let a = bucket(
            "drop",
            vec![
                json!({"grantee": [{"id": "*"}], "permission": ["PutObject"], "resource": ["drop/in/*"]}),
            ],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        assert_eq!(only(&BOS_PUBLIC_WRITE, a).status, Status::Fail);
    }

    #[test]
    fn public_write_passes_for_public_read_only() {
        let f = only(&BOS_PUBLIC_WRITE, public_read());
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(f.resource_id, "prod-assets");
        assert_eq!(f.evidence["publicGrants"], json!([]));
    }

    #[test]
    fn public_write_is_manual_without_an_acl() {
        let mut a = public_read_write();
        a.details.as_object_mut().unwrap().remove("acl");
        let f = only(&BOS_PUBLIC_WRITE, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("not collected"), "{}", f.message);
    }

    // --- encryption

    #[test]
    fn encryption_fails_for_none_and_passes_for_sm4() {
        let f = only(&BOS_ENCRYPTION, public_read());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["encryptionAlgorithm"], "NONE");
        let f = only(&BOS_ENCRYPTION, public_read_write());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "uploads");
        assert_eq!(f.evidence["encryptionAlgorithm"], "SM4");
    }

    #[test]
    fn encryption_respects_allowed_sse() {
        let ctx = CheckContext::for_test(vec![public_read_write()])
            .param("allowed_sse", json!(["AES256"]))
            .build();
        let f = (BOS_ENCRYPTION.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].evidence["allowed_sse"], json!(["AES256"]));
    }

    #[test]
    fn encryption_not_found_fails_but_other_errors_are_manual() {
        let mut a = private_clean();
        a.details.as_object_mut().unwrap().remove("encryption");
        let mut not_found = a.clone();
        not_found.detail_errors.push(vigil_core::DetailError {
            call: "encryption".into(),
            kind: vigil_core::ErrorKind::NotFound,
            code: Some("NoSuchBucketEncryptionRule".into()),
            message: "404".into(),
            request_id: None,
        });
        let f = only(&BOS_ENCRYPTION, not_found);
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.evidence["encryptionAlgorithm"], "");

        let mut gone = a.clone();
        gone.detail_errors.push(vigil_core::DetailError {
            call: "encryption".into(),
            kind: vigil_core::ErrorKind::NotFound,
            code: Some("NoSuchBucket".into()),
            message: "404".into(),
            request_id: None,
        });
        assert_eq!(only(&BOS_ENCRYPTION, gone).status, Status::Manual);

        let f = only(
            &BOS_ENCRYPTION,
            a.with_detail_error("encryption", "403 AccessDenied"),
        );
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("GetBucketEncryption"), "{}", f.message);
    }

    // --- logging

    #[test]
    fn logging_fails_when_disabled_and_passes_when_enabled() {
        let f = only(&BOS_LOGGING, public_read());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["status"], "disabled");
        let f = only(&BOS_LOGGING, private_clean());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["targetBucket"], "bj-logs");
        // Enabled without a target is not logging.
        let mut a = private_clean();
        a.details["logging"] = json!({"status": "enabled", "targetBucket": ""});
        assert_eq!(only(&BOS_LOGGING, a).status, Status::Fail);
    }

    #[test]
    fn log_target_buckets_are_not_applicable_and_hinted() {
        let target = bucket(
            "bj-logs",
            vec![],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        let f = run(&BOS_LOGGING, vec![private_clean(), target.clone()]);
        let t = f.iter().find(|f| f.resource_id == "bj-logs").unwrap();
        assert_eq!(t.status, Status::Fail);
        assert!(
            t.message.contains("receives the access logs of 1 bucket"),
            "{}",
            t.message
        );

        let ctx = CheckContext::for_test(vec![target])
            .param("bos_log_target_buckets", json!(["bj-logs"]))
            .build();
        let f = (BOS_LOGGING.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::NotApplicable);
    }

    #[test]
    fn logging_is_manual_when_the_call_failed() {
        let mut a = private_clean();
        a.details.as_object_mut().unwrap().remove("logging");
        let f = only(&BOS_LOGGING, a.with_detail_error("logging", "503"));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("GetBucketLogging"), "{}", f.message);
    }

    // --- versioning

    #[test]
    fn versioning_fails_unless_enabled() {
        let f = only(&BOS_VERSIONING, public_read_write());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["status"], "suspended");
        assert_eq!(only(&BOS_VERSIONING, public_read()).status, Status::Fail);
        let f = only(&BOS_VERSIONING, private_clean());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["status"], "enabled");
    }

    #[test]
    fn versioning_is_manual_when_not_collected() {
        let mut a = private_clean();
        a.details.as_object_mut().unwrap().remove("versioning");
        let f = only(&BOS_VERSIONING, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("GetBucketVersioning"), "{}", f.message);
    }

    // --- https

    fn https_deny(bucket_name: &str, permission: Value, secure: Value) -> Value {
        json!({"grantee": [{"id": "*"}], "permission": permission, "effect": "Deny",
               "resource": [format!("{bucket_name}/*")], "condition": {"secureTransport": secure}})
    }

    #[test]
    fn https_passes_with_a_full_deny_on_insecure_transport() {
        let a = bucket(
            "tls-only",
            vec![https_deny(
                "tls-only",
                json!(["FULL_CONTROL"]),
                json!(false),
            )],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        let f = only(&BOS_HTTPS, a);
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(f.resource_id, "tls-only");
        assert_eq!(
            f.evidence["denyEntry"]["condition"]["secureTransport"],
            false
        );
    }

    #[test]
    fn https_fails_without_a_deny_or_with_a_partial_or_inverted_one() {
        let f = only(&BOS_HTTPS, private_clean());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["denyEntries"], json!([]));

        let partial = bucket(
            "half",
            vec![https_deny("half", json!(["READ"]), json!(false))],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        let f = only(&BOS_HTTPS, partial);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["denyEntries"][0]["permission"], json!(["READ"]));

        // secureTransport: true denies HTTPS, not HTTP.
        let inverted = bucket(
            "inverted",
            vec![https_deny("inverted", json!(["FULL_CONTROL"]), json!(true))],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        assert_eq!(only(&BOS_HTTPS, inverted).status, Status::Fail);

        // An Allow with secureTransport false is not a deny.
        let mut allow = https_deny("allow", json!(["FULL_CONTROL"]), json!(false));
        allow["effect"] = json!("Allow");
        let a = bucket(
            "allow",
            vec![allow],
            "AES256",
            json!({"status": "disabled"}),
            "enabled",
        );
        assert_eq!(only(&BOS_HTTPS, a).status, Status::Fail);
    }

    #[test]
    fn https_is_manual_without_the_acl() {
        let f = only(&BOS_HTTPS, acl_failed(private_clean()));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("AccessDenied"), "{}", f.message);
    }

    // --- toxic combination

    #[test]
    fn toxic_fails_and_names_the_bucket_and_its_log_target() {
        let mut a = public_read();
        // Logging off, but a target is still configured.
        a.details["logging"] = json!({"status": "disabled", "targetBucket": "gz-logs-archive"});
        let mut logs = bucket(
            "gz-logs-archive",
            vec![],
            "AES256",
            json!({"status": "enabled", "targetBucket": "gz-logs-archive"}),
            "enabled",
        );
        logs.region = "gz".into();
        let f = run(&BOS_TOXIC, vec![a, logs]);
        let bad = f.iter().find(|f| f.resource_id == "prod-assets").unwrap();
        assert_eq!(bad.status, Status::Fail, "{bad:#?}");
        assert_eq!(bad.severity, Severity::High);
        assert_eq!(bad.evidence["encryptionAlgorithm"], "NONE");
        assert_eq!(bad.evidence["logging"]["status"], "disabled");
        assert_eq!(
            bad.evidence["publicGrants"]["read"][0]["permission"],
            json!(["READ"])
        );
        assert_eq!(
            bad.related,
            vec![
                ResourceRef {
                    kind: KIND.into(),
                    region: "bj".into(),
                    resource_id: "prod-assets".into()
                },
                ResourceRef {
                    kind: KIND.into(),
                    region: "gz".into(),
                    resource_id: "gz-logs-archive".into()
                },
            ]
        );
        let good = f
            .iter()
            .find(|f| f.resource_id == "gz-logs-archive")
            .unwrap();
        assert_eq!(good.status, Status::Pass);
        assert!(good.related.is_empty());
    }

    #[test]
    fn toxic_fails_without_a_log_target_listing_only_the_bucket() {
        let f = only(&BOS_TOXIC, public_read());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.related.len(), 1);
        assert_eq!(f.related[0].resource_id, "prod-assets");
    }

    #[test]
    fn toxic_passes_when_one_control_is_in_place() {
        // Public read-write but SM4-encrypted.
        let f = only(&BOS_TOXIC, public_read_write());
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert!(
            f.message.contains("default encryption is on"),
            "{}",
            f.message
        );
        // Private: passes even if the other two are unknown.
        let mut a = private_clean();
        let m = a.details.as_object_mut().unwrap();
        m.remove("encryption");
        m.remove("logging");
        assert_eq!(only(&BOS_TOXIC, a).status, Status::Pass);
    }

    #[test]
    fn toxic_is_manual_when_a_leg_is_unknown_and_the_others_fail() {
        let f = only(&BOS_TOXIC, acl_failed(public_read()));
        assert_eq!(f.status, Status::Manual, "{f:#?}");
        assert!(f.message.contains("public: acl failed"), "{}", f.message);
    }

    #[test]
    fn acl_helpers() {
        assert!(grants("GetObject", Access::Read) && !grants("GetObject", Access::Write));
        assert!(grants("DeleteObject", Access::Write) && !grants("DeleteObject", Access::Read));
        assert!(grants("FULL_CONTROL", Access::Read) && grants("FULL_CONTROL", Access::Write));
        assert!(!grants("GetBucketLogging", Access::Read));
        assert!(covers_all_objects("b/*", "b") && !covers_all_objects("b/x/*", "b"));
        assert!(touches_bucket(&json!({"resource": ["b/x/*"]}), "b"));
        assert!(!touches_bucket(&json!({"resource": ["bb/*"]}), "b"));
        // Conditions given as a list of objects (as in some SDK docs) are understood.
        assert_eq!(
            narrowing_conditions(&json!({"condition": [{"ipAddress": ["1.2.3.4"]}]})),
            vec!["ipAddress".to_string()]
        );
    }

    #[test]
    fn metadata_is_complete() {
        for c in [
            &BOS_PUBLIC_READ,
            &BOS_PUBLIC_WRITE,
            &BOS_ENCRYPTION,
            &BOS_LOGGING,
            &BOS_VERSIONING,
            &BOS_HTTPS,
            &BOS_TOXIC,
        ] {
            let m = &c.meta;
            assert!(
                m.title.len() <= 150 && !m.title.starts_with("Ensure"),
                "{}",
                m.id
            );
            assert!(m.id.starts_with("baidu_bos_bucket_"), "{}", m.id);
            assert!(
                !m.compliance.is_empty() && !m.categories.is_empty(),
                "{}",
                m.id
            );
            assert!(vigil_checks::find(m.id).is_some(), "{} is registered", m.id);
        }
    }
}
