"""Drive the official bce-python-sdk against the simulator through its HTTP proxy setting.

Usage: python sdk_check.py PORT AK SK DENIED_AK DENIED_SK
Prints one JSON object with what the SDK saw; the Rust test asserts on it.
"""
import json
import sys

from baidubce import protocol
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError, BceServerError
from baidubce.retry.retry_policy import NoRetryPolicy
from baidubce.services.bcc.bcc_client import BccClient
from baidubce.services.iam.iam_client import IamClient

port = int(sys.argv[1])
ak, sk, denied_ak, denied_sk = sys.argv[2:6]


def config(endpoint, key=ak, secret=sk):
    return BceClientConfiguration(
        credentials=BceCredentials(key, secret),
        endpoint=endpoint,
        protocol=protocol.HTTP,
        proxy_host="127.0.0.1",
        proxy_port=port,
        retry_policy=NoRetryPolicy(),
    )


out = {}
bj = BccClient(config("bcc.bj.baidubce.com"))
ids = []
marker = None
pages = 0
while True:
    resp = bj.list_instances(marker=marker, max_keys=3)
    pages += 1
    ids.extend(i.id for i in resp.instances)
    if not resp.is_truncated:
        break
    marker = resp.next_marker
out["bj_instance_ids"] = ids
out["bj_pages"] = pages
out["bj_request_id"] = bj.list_instances().metadata.bce_request_id
first = bj.get_instance(ids[0])
out["bj_first_name"] = first.instance.name
sgs = bj.list_security_groups(max_keys=1000)
out["bj_sg_ids"] = [g.id for g in sgs.security_groups]

# A non-default port in the endpoint ends up in the signed Host header.
gz = BccClient(config("bcc.gz.baidubce.com:8080"))
out["gz_instance_ids"] = [i.id for i in gz.list_instances(zone_name="cn-gz-a").instances]

regions = BccClient(config("bcc.baidubce.com")).describe_regions("")
out["regions"] = [r.region_id for r in regions.regions]

iam = IamClient(config("iam.bj.baidubce.com"))
out["users"] = [u.name for u in iam.list_user().users]
out["auditor_keys"] = [k.id for k in iam.list_user_accesskey(b"vigil-auditor").access_keys]
out["system_policies"] = [p.name for p in iam.list_policy(policy_type="System").policies]
policy = iam.get_policy(b"bcc-read-bj", "Custom")
out["custom_document"] = json.loads(policy.document)

denied = BccClient(config("bcc.bj.baidubce.com", denied_ak, denied_sk))
try:
    denied.list_instances()
    out["denied"] = None
except (BceHttpClientError, BceServerError) as e:
    err = getattr(e, "last_error", e)
    out["denied"] = {"status": err.status_code, "code": err.code, "request_id": err.request_id}

print(json.dumps(out))
