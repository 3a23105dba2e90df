//! Verifying a Baidu key: credentials, regions, identity and per-product access.
//!
//! 1. `describeRegions` proves the key authenticates and lists the account's regions. A
//!    failure is explained by kind: unknown key (or disabled: BCE answers both with
//!    `InvalidAccessKeyId`; see `docs/providers/baidu/verification.md`), disabled key (only
//!    when the response says so, as the simulator does), wrong secret
//!    (`SignatureDoesNotMatch`), clock skew (`RequestExpired`, with the cloud's `Date` against
//!    the local clock), network.
//! 2. If IAM is readable, the key's owner is found by listing users and their access keys,
//!    and the policies attached to the user and its groups are read with their documents
//!    (custom ones with `GET /v1/policy/{name}?policyType=Custom`). A key that belongs to no
//!    IAM user is the primary account's key.
//! 3. Each product gets a one-item probe call. The probe is the ground truth (authorized,
//!    denied, or unknown when it fails otherwise); the policy documents say which attached
//!    policy grants it, which `Deny` refuses it, and what to attach where.
//! 4. The attached policies are matched against the setup guide's two options.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::join_all;
use serde_json::Value;
use vigil_core::retry::retry;
use vigil_core::verify::{MissingPolicy, PolicyGrant, PolicySetup, PolicyType, SetupOption};
use vigil_core::{
    Error, ErrorKind, Identity, PolicyVerifier, ProductAccess, ProductDescriptor, ProductReport,
    ProviderContext, Region, Result, Scope, VerificationReport,
};

use crate::client::{describe_clock_skew, rekind, BceClient, CONTEXT_CLOCK_SKEW};
use crate::endpoint::{Target, GLOBAL_BCC_HOST, IAM_HOST};
use crate::policy::{self, AclDocument, Effect};

/// The system policy of the setup guide's option 1 (read access to every product).
pub const GLOBAL_READ_POLICY: &str = "GlobalReadPolicy";
/// The system policy both options include, so that Vigil can read IAM.
pub const IAM_READ_POLICY: &str = "IAMReadAccessPolicy";
/// The system policy option 2 always includes.
pub const BCC_READ_POLICY: &str = "BCCReadAccessPolicy";
/// The administrator system policy (more than Vigil needs).
pub const ADMINISTRATOR_POLICY: &str = "AdministratorAccess";

/// Build the Baidu verifier for a connection.
pub fn build(cx: &ProviderContext) -> Result<Arc<dyn PolicyVerifier>> {
    Ok(Arc::new(BaiduVerifier {
        client: BceClient::new(cx)?,
        cx: cx.clone(),
    }))
}

/// The Baidu [`PolicyVerifier`].
#[derive(Debug)]
pub struct BaiduVerifier {
    client: BceClient,
    cx: ProviderContext,
}

fn str_field<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v.get(field).and_then(Value::as_str)
}

fn array<'a>(v: &'a Value, field: &str) -> &'a [Value] {
    v.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// One policy in effect for the key's IAM user.
#[derive(Debug, Clone)]
struct Attached {
    name: String,
    policy_type: PolicyType,
    /// The group it comes through; `None` when attached to the user.
    via_group: Option<String>,
    /// The parsed document, or why it could not be read.
    document: std::result::Result<AclDocument, String>,
}

/// What IAM told us about the key.
#[derive(Debug, Clone)]
enum IamView {
    /// IAM could not be read: why.
    Unreadable(String),
    /// The key belongs to no IAM user: the primary account's key.
    Primary,
    /// An IAM user's key and the policies in effect for it.
    User {
        name: String,
        policies: Vec<Attached>,
    },
}

/// The outcome of one product's probe call.
enum Probe {
    Succeeded,
    Denied(Error),
    Failed(Error),
    CannotBuild(Error),
}

/// What the attached policies say about one product.
#[derive(Debug, Default)]
struct Findings {
    granted_by: Vec<PolicyGrant>,
    denied_by: Vec<PolicyGrant>,
    /// Attached policies whose documents could not be read (and whose names say nothing).
    unreadable: Vec<String>,
}

impl Findings {
    fn full_grants(&self) -> impl Iterator<Item = &PolicyGrant> {
        self.granted_by.iter().filter(|g| g.full)
    }
    fn partial_grants(&self) -> impl Iterator<Item = &PolicyGrant> {
        self.granted_by.iter().filter(|g| !g.full)
    }
}

fn policy_type(text: Option<&str>) -> PolicyType {
    match text {
        Some(t) if t.eq_ignore_ascii_case("System") => PolicyType::System,
        Some(t) if t.eq_ignore_ascii_case("Custom") => PolicyType::Custom,
        _ => PolicyType::Unknown,
    }
}

fn type_query(t: PolicyType) -> &'static str {
    match t {
        PolicyType::System => "System",
        _ => "Custom",
    }
}

/// A grant as a phrase: `GlobalReadPolicy`, `BCCReadAccessPolicy (through group ops)`,
/// `a custom policy (bcc-read-bj: allows bce:bcc READ in region bj only)`.
fn render(g: &PolicyGrant) -> String {
    let via = g
        .via_group
        .as_deref()
        .map(|group| format!(" (through group {group})"))
        .unwrap_or_default();
    match g.policy_type {
        PolicyType::System => format!("{}{via}", g.policy),
        PolicyType::Custom => format!("a custom policy ({}: {}){via}", g.policy, g.detail),
        PolicyType::Unknown => format!("the policy {} ({}){via}", g.policy, g.detail),
    }
}

fn render_all<'a>(grants: impl Iterator<Item = &'a PolicyGrant>) -> String {
    grants.map(render).collect::<Vec<_>>().join(", ")
}

/// Where a policy is detached in the console.
fn console_location(g: &PolicyGrant, user_path: &str) -> String {
    match &g.via_group {
        Some(group) => format!("IAM → Groups → {group} → Permissions"),
        None => format!("{user_path} → Permissions"),
    }
}

/// What the attached policies say about listing `product` in `region`.
fn findings(policies: &[Attached], product: &ProductDescriptor, region: &Region) -> Findings {
    let mut out = Findings::default();
    let Some(service) = policy::iam_service(product.product) else {
        return out;
    };
    let region = service.regional_host.then_some(region.as_str());
    for p in policies {
        let grant = |full: bool, detail: String| PolicyGrant {
            policy: p.name.clone(),
            policy_type: p.policy_type,
            via_group: p.via_group.clone(),
            full,
            detail,
        };
        match &p.document {
            Ok(doc) => {
                let found = policy::evaluate(doc, service.service, region);
                for effect in [Effect::Allow, Effect::Deny] {
                    let of: Vec<_> = found.iter().filter(|f| f.effect == effect).collect();
                    if of.is_empty() {
                        continue;
                    }
                    let full = of.iter().any(|f| f.full);
                    let detail = of
                        .iter()
                        .map(|f| f.detail.as_str())
                        .collect::<Vec<_>>()
                        .join("; ");
                    match effect {
                        Effect::Allow => out.granted_by.push(grant(full, detail)),
                        Effect::Deny => out.denied_by.push(grant(full, detail)),
                    }
                }
            }
            Err(why) => {
                // Without its document, only a well-known system policy's name says anything.
                let by_name = p.policy_type != PolicyType::Custom
                    && (p.name == GLOBAL_READ_POLICY
                        || p.name == ADMINISTRATOR_POLICY
                        || p.name == product.read_policy);
                if by_name {
                    out.granted_by.push(grant(
                        true,
                        format!(
                            "grants {} by its name (its document could not be read: {why})",
                            if p.name == product.read_policy {
                                "read access to this product"
                            } else {
                                "access to every product"
                            }
                        ),
                    ));
                } else {
                    out.unreadable.push(p.name.clone());
                }
            }
        }
    }
    out
}

/// Every Baidu product's system read policy, and IAM's.
fn system_read_policies() -> BTreeSet<&'static str> {
    let mut set: BTreeSet<&'static str> = vigil_core::registry::provider_products(crate::PROVIDER)
        .iter()
        .map(|d| d.read_policy)
        .collect();
    set.insert(IAM_READ_POLICY);
    set
}

/// Match the attached policies against the setup guide's options.
fn policy_setup(
    iam: &IamView,
    products: &[&'static ProductDescriptor],
    reports: &[ProductReport],
) -> PolicySetup {
    let policies = match iam {
        IamView::Unreadable(reason) => {
            return PolicySetup {
                option: SetupOption::Unknown,
                detail: format!("the attached policies could not be read: {reason}"),
                ..Default::default()
            }
        }
        IamView::Primary => {
            return PolicySetup {
                option: SetupOption::Unknown,
                detail: "the key is the primary account's: it may do everything and no policies \
                         apply. Create an IAM user for Vigil with option 1 (IAMReadAccessPolicy + \
                         GlobalReadPolicy) or option 2 (IAMReadAccessPolicy + BCCReadAccessPolicy + \
                         the read policy of each other product)"
                    .to_string(),
                ..Default::default()
            }
        }
        IamView::User { policies, .. } => policies,
    };
    let mut names: Vec<&str> = Vec::new();
    for p in policies {
        if !names.contains(&p.name.as_str()) {
            names.push(&p.name);
        }
    }
    let read_policies = system_read_policies();
    let is_system = |name: &str| {
        policies
            .iter()
            .filter(|p| p.name == name)
            .all(|p| p.policy_type != PolicyType::Custom)
    };
    let missing: Vec<MissingPolicy> = reports
        .iter()
        .filter(|r| !r.granted_by.iter().any(|g| g.full))
        .filter_map(|r| {
            products
                .iter()
                .find(|d| d.product == r.product)
                .map(|d| MissingPolicy {
                    product: d.product,
                    policy: d.read_policy.to_string(),
                })
        })
        .collect();
    let missing_words = if missing.is_empty() {
        "every product asked about is granted".to_string()
    } else {
        format!(
            "not granted: {}",
            missing
                .iter()
                .map(|m| format!("{} ({})", m.product, m.policy))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let (option, extra, mut detail) = if names.contains(&GLOBAL_READ_POLICY) {
        let extra: Vec<String> = names
            .iter()
            .filter(|n| **n != GLOBAL_READ_POLICY && **n != IAM_READ_POLICY)
            .map(|n| n.to_string())
            .collect();
        let mut detail = "option 1: GlobalReadPolicy (read access to every product)".to_string();
        if !names.contains(&IAM_READ_POLICY) {
            detail.push_str(
                "; IAMReadAccessPolicy, part of option 1, is not attached (GlobalReadPolicy \
                 covers IAM reads here)",
            );
        }
        (SetupOption::Option1, extra, detail)
    } else if names
        .iter()
        .all(|n| read_policies.contains(n) && is_system(n))
    {
        let mut detail = format!(
            "option 2: per-product read policies ({})",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        );
        let absent: Vec<&str> = [IAM_READ_POLICY, BCC_READ_POLICY]
            .into_iter()
            .filter(|p| !names.contains(p))
            .collect();
        if !absent.is_empty() {
            detail.push_str(&format!(
                "; option 2 always includes {}, not attached",
                absent.join(" and ")
            ));
        }
        (SetupOption::Option2, Vec::new(), detail)
    } else {
        let extra: Vec<String> = names
            .iter()
            .filter(|n| !(read_policies.contains(*n) && is_system(n)))
            .map(|n| n.to_string())
            .collect();
        let mut detail = format!(
            "custom: {} {} not among the setup guide's system read policies",
            extra.join(", "),
            if extra.len() == 1 { "is" } else { "are" }
        );
        if extra.iter().any(|n| n == ADMINISTRATOR_POLICY) {
            detail.push_str("; AdministratorAccess allows writes: more than Vigil needs");
        }
        (SetupOption::Custom, extra, detail)
    };
    if option == SetupOption::Option1 && !extra.is_empty() {
        detail.push_str(&format!("; also attached: {}", extra.join(", ")));
    }
    detail.push_str(&format!("; {missing_words}"));
    PolicySetup {
        option,
        missing,
        extra_policies: extra,
        detail,
    }
}

/// Explain a credential or connection failure of `describeRegions`, keeping its kind, code,
/// request id and context.
fn explain_credential_error(e: Error, key_hint: &str) -> Error {
    let context = |key: &str| {
        e.context()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    let why = match e.kind() {
        ErrorKind::InvalidCredentials => format!(
            "BCE does not accept access key {key_hint}: the key id is unknown, or the key or its \
             IAM user is disabled (BCE answers both with InvalidAccessKeyId and documents no way \
             to tell them apart). Check the key id, and that the key and its user are enabled: \
             console → IAM → Users → the user → Access keys (a primary account key: Security \
             Authentication → Access Key)"
        ),
        ErrorKind::CredentialsDisabled => format!(
            "access key {key_hint} or its IAM user is disabled: enable it in the console (IAM → \
             Users → the user → Access keys → Enable) or use an enabled key"
        ),
        ErrorKind::SignatureMismatch => format!(
            "the secret key does not match access key {key_hint} (BCE could not verify the \
             signature): re-enter the secret without extra spaces or newlines, or create a new \
             key pair"
        ),
        ErrorKind::RequestExpired => {
            match context(CONTEXT_CLOCK_SKEW).and_then(|s| s.parse::<i64>().ok()) {
                Some(0) => "BCE refused the request as expired although this machine's clock \
                        agrees with BCE's: retry, and check for a proxy that delays requests"
                    .to_string(),
                Some(skew) => format!(
                    "BCE refused the request as expired because this machine's clock is wrong: \
                 {}. Synchronise it (e.g. `timedatectl set-ntp true`) and retry",
                    describe_clock_skew(skew)
                ),
                None => "BCE refused the request as expired: this machine's clock is probably \
                     wrong (the response did not say BCE's time). Synchronise it and retry"
                    .to_string(),
            }
        }
        ErrorKind::Network | ErrorKind::Timeout => format!(
            "BCE could not be reached ({}): check network access to *.baidubce.com (DNS, \
             proxy, firewall) or the endpoint override, and retry",
            if e.kind() == ErrorKind::Timeout {
                "the request timed out"
            } else {
                "no connection"
            }
        ),
        _ => return e,
    };
    let message = format!("{why}. Cause: {}", e.message());
    rekind(&e, e.kind(), message)
}

impl BaiduVerifier {
    async fn iam_get(&self, path: &str, query: &[(String, String)]) -> Result<Value> {
        retry(&self.cx.options.retry, path, || async {
            self.client
                .get(&Target::global("iam", IAM_HOST), path, query)
                .await
                .map(|r| r.body)
        })
        .await
    }

    /// The document of an attached policy: the attachment listing's when it has a parsable
    /// one (system policies), else `GET /v1/policy/{name}?policyType=` (always for custom
    /// policies, whose documents the listing may abbreviate).
    async fn document(
        &self,
        listed: &Value,
        name: &str,
        t: PolicyType,
    ) -> std::result::Result<AclDocument, String> {
        let from_listing = listed
            .get("document")
            .filter(|d| !d.is_null())
            .map(policy::parse_document);
        if t == PolicyType::System {
            if let Some(Ok(doc)) = from_listing {
                return Ok(doc);
            }
        }
        let query = [("policyType".to_string(), type_query(t).to_string())];
        match self.iam_get(&format!("/v1/policy/{name}"), &query).await {
            Ok(body) => match body.get("document") {
                Some(d) => policy::parse_document(d),
                None => Err("GetPolicy returned no document".to_string()),
            },
            Err(e) => match from_listing {
                Some(Ok(doc)) => Ok(doc),
                _ => Err(format!("GetPolicy failed: {e}")),
            },
        }
    }

    /// The policies listed in one attachment list, with their documents.
    async fn attached(&self, list: &Value, via_group: Option<&str>, out: &mut Vec<Attached>) {
        for p in array(list, "policies") {
            let Some(name) = str_field(p, "name") else {
                continue;
            };
            if out.iter().any(|a| a.name == name) {
                continue;
            }
            let t = policy_type(str_field(p, "type"));
            let document = self.document(p, name, t).await;
            out.push(Attached {
                name: name.to_string(),
                policy_type: t,
                via_group: via_group.map(str::to_string),
                document,
            });
        }
    }

    /// Find the IAM user owning our key and the policies in effect for it.
    async fn identity(&self) -> Result<(Identity, IamView)> {
        let key_id = &self.cx.credential.access_key_id;
        let users = self.iam_get("/v1/user", &[]).await?;
        let names: Vec<String> = array(&users, "users")
            .iter()
            .filter_map(|u| str_field(u, "name").map(str::to_string))
            .collect();
        let mut owner = None;
        for name in &names {
            let keys = self
                .iam_get(&format!("/v1/user/{name}/accesskey"), &[])
                .await?;
            if array(&keys, "accessKeys")
                .iter()
                .any(|k| str_field(k, "id") == Some(key_id.as_str()))
            {
                owner = Some(name.clone());
                break;
            }
        }
        let mut identity = Identity::default();
        let Some(user) = owner else {
            identity.is_primary_account_key = Some(true);
            return Ok((identity, IamView::Primary));
        };
        identity.is_primary_account_key = Some(false);
        let mut policies = Vec::new();
        let direct = self
            .iam_get(&format!("/v1/user/{user}/policy"), &[])
            .await?;
        self.attached(&direct, None, &mut policies).await;
        let groups = self.iam_get(&format!("/v1/user/{user}/group"), &[]).await?;
        for group in array(&groups, "groups") {
            if let Some(g) = str_field(group, "name") {
                let gp = self.iam_get(&format!("/v1/group/{g}/policy"), &[]).await?;
                self.attached(&gp, Some(g), &mut policies).await;
            }
        }
        let mut names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
        names.sort();
        names.dedup();
        identity.user_name = Some(user.clone());
        identity.attached_policies = names;
        Ok((
            identity,
            IamView::User {
                name: user,
                policies,
            },
        ))
    }

    /// Identity and policies; never fails (an unreadable IAM is part of the report).
    async fn iam_view(&self) -> (Identity, IamView) {
        match self.identity().await {
            Ok(found) => found,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => (
                Identity::default(),
                IamView::Unreadable(format!(
                    "the key may not read IAM (attach {IAM_READ_POLICY}, part of both setup \
                     options; code {})",
                    e.code().unwrap_or("AccessDenied")
                )),
            ),
            Err(e) => (
                Identity::default(),
                IamView::Unreadable(format!("reading IAM failed: {e}")),
            ),
        }
    }

    async fn probe(&self, product: &'static ProductDescriptor, region: &Region) -> Probe {
        let mut options = self.cx.options.clone();
        options.page_size = 1;
        // A probe asks only whether the list call is allowed.
        options.details = false;
        let cx = self.cx.clone().with_options(options);
        let collector = match (product.build)(&cx) {
            Ok(c) => c,
            Err(e) => return Probe::CannotBuild(e),
        };
        let kind = product.asset_kinds[0].name;
        match retry(&cx.options.retry, kind, || {
            collector.list_page(region, kind, None)
        })
        .await
        {
            Ok(_) => Probe::Succeeded,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Probe::Denied(e),
            Err(e) => Probe::Failed(e),
        }
    }

    fn key_hint(&self) -> String {
        vigil_core::Credential::key_hint(self.cx.credential.as_ref())
    }

    /// One product's report from its probe and the attached policies.
    fn report(
        &self,
        product: &'static ProductDescriptor,
        region: &Region,
        probe: Probe,
        iam: &IamView,
    ) -> ProductReport {
        let kind = product.asset_kinds[0].name;
        let what = match product.scope {
            Scope::Regional => format!("listing {kind} in {region}"),
            Scope::Global => format!("listing {kind}"),
        };
        let found = match iam {
            IamView::User { policies, .. } => findings(policies, product, region),
            _ => Findings::default(),
        };
        let user_path = match iam {
            IamView::User { name, .. } => format!("IAM → Users → {name}"),
            _ => format!("IAM → Users → the user owning key {}", self.key_hint()),
        };
        let notes: Vec<String> = found
            .denied_by
            .iter()
            .filter(|d| !d.full)
            .map(|d| format!("note: {} {}", d.policy, d.detail))
            .collect();
        let access = match probe {
            Probe::Succeeded => {
                let mut evidence = format!("{what} succeeded");
                match iam {
                    IamView::User { .. } => {
                        if found.full_grants().next().is_some() {
                            evidence.push_str(&format!(
                                "; granted by {}",
                                render_all(found.full_grants())
                            ));
                        } else if found.partial_grants().next().is_some() {
                            evidence.push_str(&format!(
                                "; allowed by {}",
                                render_all(found.partial_grants())
                            ));
                        } else if !found.unreadable.is_empty() {
                            evidence.push_str(&format!(
                                "; probably granted by {} (the document could not be read)",
                                found.unreadable.join(", ")
                            ));
                        } else {
                            evidence.push_str("; no attached policy's document names it");
                        }
                    }
                    IamView::Primary => {
                        evidence.push_str("; the primary account's key may read everything")
                    }
                    IamView::Unreadable(_) => evidence
                        .push_str("; which policy grants it is unknown (IAM is not readable)"),
                }
                for n in &notes {
                    evidence.push_str(&format!("; {n}"));
                }
                ProductAccess::Authorized { evidence }
            }
            Probe::Denied(e) => {
                let fix = if let Some(d) = found.denied_by.iter().find(|d| d.full) {
                    let edit = if d.policy_type == PolicyType::System {
                        String::new()
                    } else {
                        format!(
                            ", or edit its document (IAM → Policies → Custom policies → {})",
                            d.policy
                        )
                    };
                    format!(
                        "the {} policy {} denies it ({}); a Deny overrides every Allow, so \
                         attaching {} does not help: remove {} in {}{edit}",
                        match d.policy_type {
                            PolicyType::System => "system",
                            PolicyType::Custom => "custom",
                            PolicyType::Unknown => "attached",
                        },
                        d.policy,
                        d.detail,
                        product.read_policy,
                        d.policy,
                        console_location(d, &user_path),
                    )
                } else {
                    let options = if product.read_policy == IAM_READ_POLICY {
                        "part of both setup options".to_string()
                    } else {
                        format!(
                            "setup option 2; {GLOBAL_READ_POLICY}, option 1, covers every product"
                        )
                    };
                    let attach = format!(
                        "attach the system policy {policy} ({options}): console → {user_path} → \
                         Permissions → Add permission → System policy → {policy}",
                        policy = product.read_policy
                    );
                    if found.full_grants().next().is_some() {
                        format!(
                            "{} should allow {what}, yet BCE refused it; {attach}",
                            render_all(found.full_grants())
                        )
                    } else if found.partial_grants().next().is_some() {
                        format!(
                            "{} does not cover {what}; {attach}",
                            render_all(found.partial_grants())
                        )
                    } else {
                        attach
                    }
                };
                ProductAccess::Denied {
                    policy: product.read_policy.to_string(),
                    fix,
                    code: e.code().map(str::to_string),
                }
            }
            Probe::Failed(e) => {
                let mut reason = format!("{what} failed: {e}");
                match iam {
                    IamView::User { .. } => {
                        if found.denied_by.iter().any(|d| d.full) {
                            reason.push_str(&format!(
                                "; note that {} denies it",
                                render_all(found.denied_by.iter().filter(|d| d.full))
                            ));
                        } else if found.full_grants().next().is_some() {
                            reason.push_str(&format!(
                                "; the attached policies grant it ({}), so it should work once \
                                 the error clears",
                                render_all(found.full_grants())
                            ));
                        } else if found.unreadable.is_empty() {
                            reason.push_str(&format!(
                                "; no attached policy grants it: attach {} ({user_path} → \
                                 Permissions → Add permission → System policy)",
                                product.read_policy
                            ));
                        }
                    }
                    IamView::Primary => {
                        reason.push_str("; the primary account's key may read everything")
                    }
                    IamView::Unreadable(why) => reason.push_str(&format!(
                        "; the attached policies could not be checked either: {why}"
                    )),
                }
                ProductAccess::Unknown { reason }
            }
            Probe::CannotBuild(e) => ProductAccess::Unknown {
                reason: format!("cannot build the {} collector: {e}", product.product),
            },
        };
        ProductReport {
            product: product.product,
            access,
            granted_by: found.granted_by,
            denied_by: found.denied_by,
        }
    }
}

#[async_trait]
impl PolicyVerifier for BaiduVerifier {
    async fn check_credentials(&self) -> Result<()> {
        self.regions().await.map(|_| ())
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        let body = retry(&self.cx.options.retry, "describeRegions", || async {
            self.client
                .describe_regions(&Target::global("bcc", GLOBAL_BCC_HOST))
                .await
        })
        .await
        .map_err(|e| explain_credential_error(e, &self.key_hint()))?
        .body;
        let mut regions = Vec::new();
        for r in array(&body, "regions") {
            let id = str_field(r, "regionId").ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "describeRegions returned a region without regionId",
                )
            })?;
            regions.push(Region::new(id)?);
        }
        regions.sort();
        regions.dedup();
        Ok(regions)
    }

    async fn verify(
        &self,
        products: &[&'static ProductDescriptor],
        probe_region: &Region,
    ) -> Result<VerificationReport> {
        let regions = self.regions().await?;
        let ((identity, iam), probes) = futures::join!(
            self.iam_view(),
            join_all(products.iter().map(|p| self.probe(p, probe_region)))
        );
        let reports: Vec<ProductReport> = products
            .iter()
            .zip(probes)
            .map(|(p, probe)| self.report(p, probe_region, probe, &iam))
            .collect();
        let policy_option = policy_setup(&iam, products, &reports);
        Ok(VerificationReport {
            provider: crate::PROVIDER,
            key_hint: self.key_hint(),
            identity,
            regions,
            products: reports,
            policy_option,
        })
    }
}
