"""List the simulator's VPC data through the official Baidu Python SDK (bce-python-sdk).

Usage: BAIDUCLOUD_ACCESS_KEY=.. BAIDUCLOUD_SECRET_KEY=.. python compat_vpc.py --world WORLD.json --proxy 127.0.0.1:PORT [--page-size N]

Follows the protocol of every xtask/sdk/compat_*.py script (see compat_bcc.py): one JSON line
per (kind, region) on stdout, {"kind": ..., "region": ..., "ids": [...]}, which
`cargo xtask sdk-compat` compares with what `vigil sync` stored; human-readable lines on
stderr; a non-zero exit on any mismatch with the world file or SDK error.

The SDK's own clients are pointed at the simulator through their proxy setting with protocol
HTTP, keeping the real host name (bcc.<region>.baidubce.com) in Host and the signature. For
each region with resources:

- VPCs (VpcClient.list_vpcs) and subnets (SubnetClient.list_subnets, also in pages of 2), page
  by page: the same items as the world file, verbatim and in order;
- ACL rules, both ways BCE offers them: per VPC (AclClient.list_acl_entrys, the call Vigil
  uses; every rule must sit in the entry of its own subnet) and per subnet, in pages of 2
  (AclClient.list_subnet_acl); both must give exactly the world's rules, verbatim. The
  per-VPC ids are what is printed for `baidu_vpc_acl_rule`.

Also checks that an unknown VPC is a 404 NoSuchObject to the SDK.
"""

import argparse
import json
import os
import sys

from baidubce import protocol
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError, BceServerError
from baidubce.services.subnet.subnet_client import SubnetClient
from baidubce.services.vpc.acl_client import AclClient
from baidubce.services.vpc.vpc_client import VpcClient


def log(line):
    print(line, file=sys.stderr)


def emit(kind, region, ids):
    print(json.dumps({"kind": kind, "region": region, "ids": ids}))


def config_for(host, proxy, ak, sk):
    proxy_host, proxy_port = proxy.rsplit(":", 1)
    return BceClientConfiguration(
        credentials=BceCredentials(ak, sk),
        endpoint=host,
        protocol=protocol.HTTP,
        proxy_host=proxy_host,
        proxy_port=int(proxy_port),
    )


def body(resp):
    """The response body as plain JSON (the SDK keeps the raw text next to its objects)."""
    return json.loads(resp.raw_data)


def list_all(call, items_key, page_size, **kwargs):
    """Every item of a marker list, following next_marker; returns (raw items, pages)."""
    items, marker, pages = [], None, 0
    while True:
        # The VPC SDK's @required rejects marker=None, so the first page passes none.
        paging = {"max_keys": page_size} if marker is None else {"marker": marker, "max_keys": page_size}
        resp = call(**paging, **kwargs)
        pages += 1
        items.extend(body(resp)[items_key])
        if not resp.is_truncated:
            return items, pages
        marker = resp.next_marker
        if pages > 100000:
            raise RuntimeError("pagination did not terminate")


class Checker:
    def __init__(self):
        self.failures = 0

    def same(self, label, got, want, note=""):
        ok = got == want
        self.failures += not ok
        log(f"{label}: sdk {len(got)}, world {len(want)}{note} {'ok' if ok else 'MISMATCH'}")
        if not ok:
            got_ids = {json.dumps(i, sort_keys=True) for i in got}
            want_ids = {json.dumps(i, sort_keys=True) for i in want}
            log(f"  missing {sorted(want_ids - got_ids)[:3]} unexpected {sorted(got_ids - want_ids)[:3]}")
        return ok


def by_id(items):
    return sorted(items, key=lambda r: r["id"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", required=True)
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    ak = os.environ["BAIDUCLOUD_ACCESS_KEY"]
    sk = os.environ["BAIDUCLOUD_SECRET_KEY"]

    with open(args.world, encoding="utf-8") as f:
        world = json.load(f)
    account = world["accounts"][0]
    check = Checker()
    checked_regions = 0
    rules_seen = 0

    for region, collections in sorted(account.get("resources", {}).items()):
        config = config_for(f"bcc.{region}.baidubce.com", args.proxy, ak, sk)
        vpc_client, subnet_client, acl_client = VpcClient(config), SubnetClient(config), AclClient(config)

        vpcs, pages = list_all(vpc_client.list_vpcs, "vpcs", args.page_size)
        check.same(f"{region}: vpcs", vpcs, collections.get("vpc_vpcs", []), f" ({pages} pages)")
        emit("baidu_vpc_vpc", region, [v["vpcId"] for v in vpcs])

        subnets, pages = list_all(subnet_client.list_subnets, "subnets", args.page_size)
        check.same(f"{region}: subnets", subnets, collections.get("vpc_subnets", []), f" ({pages} pages)")
        emit("baidu_vpc_subnet", region, [s["subnetId"] for s in subnets])
        small, pages = list_all(subnet_client.list_subnets, "subnets", 2)
        check.same(f"{region}: subnets in pages of 2", small, subnets, f" ({pages} pages)")

        want_rules = by_id(collections.get("vpc_acl_rules", []))
        # Per VPC: every subnet's entry holds exactly that subnet's rules.
        per_vpc, misplaced = [], 0
        for vpc in vpcs:
            acl = body(acl_client.list_acl_entrys(vpc["vpcId"]))
            if acl.get("vpcId") != vpc["vpcId"]:
                misplaced += 1
            for entry in acl.get("aclEntrys") or []:
                for rule in entry.get("aclRules") or []:
                    misplaced += rule.get("subnetId") != entry.get("subnetId")
                    per_vpc.append(rule)
        check.same(f"{region}: acl rules by vpc", by_id(per_vpc), want_rules,
                   f" ({len(vpcs)} calls, {misplaced} misplaced)")
        check.failures += misplaced
        emit("baidu_vpc_acl_rule", region, [r["id"] for r in per_vpc])
        rules_seen += len(per_vpc)

        # Per subnet, in pages of 2 (a subnet has a handful of rules).
        per_subnet, calls = [], 0
        for subnet in subnets:
            rules, pages = list_all(acl_client.list_subnet_acl, "aclRules", 2,
                                    subnet_id=subnet["subnetId"])
            calls += pages
            per_subnet.extend(rules)
        check.same(f"{region}: acl rules by subnet", by_id(per_subnet), want_rules, f" ({calls} pages)")
        checked_regions += 1

    # The SDK sees the simulator's 404 the way it sees BCE's.
    region = sorted(account.get("resources", {}))[0]
    try:
        AclClient(config_for(f"bcc.{region}.baidubce.com", args.proxy, ak, sk)).list_acl_entrys("vpc-doesnotexist")
        log("unknown vpc: accepted MISMATCH")
        check.failures += 1
    except (BceHttpClientError, BceServerError) as e:
        err = getattr(e, "last_error", e)
        status, code, request_id = (getattr(err, a, None) for a in ("status_code", "code", "request_id"))
        ok = status == 404 and code == "NoSuchObject" and bool(request_id)
        check.failures += not ok
        log(f"unknown vpc: {status} {code} request id {request_id} {'ok' if ok else 'MISMATCH'}")

    if checked_regions < 2 or rules_seen == 0:
        log("the world must have VPC resources (with ACL rules) in at least two regions")
        check.failures += 1
    log(f"compat_vpc: {checked_regions} regions checked, {check.failures} mismatches")
    sys.exit(1 if check.failures else 0)


if __name__ == "__main__":
    main()
