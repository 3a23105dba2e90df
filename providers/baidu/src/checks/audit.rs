//! Checks: audit logging (catalog section J).
//!
//! BCT (Cloud Trail) tracking configuration has no read API in the Go SDK snapshot the catalog
//! was written against (only `QueryEvents`), and Vigil collects neither, so the check is MANUAL
//! for the account and says what would decide it.

use vigil_checks::{Check, CheckContext, CheckMeta, Finding, Mapping, Remediation, Severity};

pub(crate) static BCT_TRAIL_NOT_CONFIGURED: Check = Check {
    meta: CheckMeta {
        id: "baidu_bct_trail_not_configured",
        provider: "baidu",
        title: "No BCT (Cloud Trail) tracking configured to persist audit events",
        service: "bct",
        resource_type: "BCE::BCT::Trail",
        severity: Severity::High,
        description: "Fails when no BCT tracking configuration delivers every region's management events to a BOS \
             bucket or a BLS logstore (optional sub-finding: the target bucket is public → critical). The \
             tracking configuration API is not in the Go SDK (catalog VERIFY) and Vigil does not collect \
             BCT, so the check is MANUAL until that API is confirmed and collected.",
        risk: "BCT's built-in event query covers a limited window; incident response and audits need durable, \
             tamper-resistant audit logs of who did what, from where, with which key.",
        remediation: Remediation {
            text: "Create a BCT tracking rule covering all regions that delivers to a private, versioned, \
                   access-logged BOS bucket (or a BLS logstore) with a retention that meets your audit \
                   requirement (MLPS level 3: at least 6 months).",
            console: "Console → Cloud Trail (BCT) → Tracking → Create Tracking → all regions, all management \
                      events → deliver to a private BOS bucket (or BLS) → Save; then, on the bucket: private \
                      ACL, versioning, access logging.",
            cli: None,
            terraform: None,
            url: "https://cloud.baidu.com/doc/BCT/index.html",
        },
        categories: &["logging", "forensics-ready"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "2.1" },
            Mapping { framework: "cis_alibaba_2.0", requirement: "2.2" },
            Mapping { framework: "cis_aws_5.0", requirement: "3.1" },
            Mapping { framework: "prowler", requirement: "alibabacloud/actiontrail_multi_region_enabled" },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/actiontrail_oss_bucket_not_publicly_accessible",
            },
            Mapping { framework: "prowler", requirement: "aws/cloudtrail_multi_region_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.3.a" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.3.c" },
        ],
        reads: &[],
    },
    evaluate: eval_bct_trail_not_configured,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BCT_TRAIL_NOT_CONFIGURED) }

/// What is missing, for the MANUAL finding.
const MISSING: &str = "BCT tracking (trail) configuration is not collected by Vigil: no read API for \
                       BCT tracking rules (delivery to BOS/BLS, regions covered) was found in the Baidu \
                       Go SDK (catalog: VERIFY), and BCT QueryEvents is not collected either; confirm in \
                       Console → Cloud Trail → Tracking that a rule covers all regions and delivers to a \
                       private BOS bucket or BLS logstore";

fn eval_bct_trail_not_configured(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.manual_account(&BCT_TRAIL_NOT_CONFIGURED, MISSING)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_checks::{Status, ACCOUNT_RESOURCE_KIND};

    #[test]
    fn bct_trail_is_manual_for_the_account_naming_the_missing_api() {
        let ctx = CheckContext::for_test(vec![]).build();
        let f = (BCT_TRAIL_NOT_CONFIGURED.evaluate)(&ctx);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].check_id, "baidu_bct_trail_not_configured");
        assert_eq!(f[0].status, Status::Manual);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].resource_kind, ACCOUNT_RESOURCE_KIND);
        assert_eq!(f[0].resource_id, "account");
        assert_eq!(f[0].region, "global");
        assert_eq!(f[0].evidence["missing"], MISSING);
        assert!(f[0].message.contains("BCT tracking"), "{}", f[0].message);
        assert!(f[0].message.contains("QueryEvents"), "{}", f[0].message);
    }

    #[test]
    fn bct_metadata_is_complete() {
        let m = &BCT_TRAIL_NOT_CONFIGURED.meta;
        assert!(m.title.len() <= 150 && !m.title.starts_with("Ensure"));
        assert_eq!(m.service, "bct");
        assert_eq!(m.resource_type, "BCE::BCT::Trail");
        assert!(m
            .remediation
            .url
            .starts_with("https://cloud.baidu.com/doc/"));
        assert!(m
            .compliance
            .iter()
            .any(|c| c.framework == "cis_alibaba_2.0" && c.requirement == "2.1"));
        assert!(vigil_checks::find(m.id).is_some(), "registered");
    }
}
