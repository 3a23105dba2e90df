"""List the simulator's BCC data through the official Baidu Python SDK (bce-python-sdk).

Usage: BAIDUCLOUD_ACCESS_KEY=.. BAIDUCLOUD_SECRET_KEY=.. python compat_bcc.py --world WORLD.json --proxy 127.0.0.1:PORT [--page-size N]

Follows the protocol of every xtask/sdk/compat_*.py script (see xtask/sdk/README.md): one JSON
line per (kind, region) listed on stdout, {"kind": ..., "region": ..., "ids": [...]}, which
`cargo xtask sdk-compat` compares with what `vigil sync` stored; human-readable lines on
stderr; a non-zero exit on any mismatch with the world file or SDK error.

The SDK is pointed at the simulator through its own proxy setting with protocol HTTP, so every
request keeps the real host name (bcc.<region>.baidubce.com) in its Host header and signature,
exactly as it would against the cloud. For each region with resources, instances and security
groups are listed page by page with the SDK's BccClient and compared with the world file:
same count, same ids, in the same order. Also checks describeRegions against the world's
region list. Prints one line per check and exits non-zero on the first mismatch.
"""

import argparse
import json
import os
import sys

from baidubce import protocol
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError, BceServerError
from baidubce.services.bcc.bcc_client import BccClient


def log(line):
    print(line, file=sys.stderr)


def emit(kind, region, ids):
    print(json.dumps({"kind": kind, "region": region, "ids": ids}))


def client_for(host, proxy, ak, sk):
    proxy_host, proxy_port = proxy.rsplit(":", 1)
    config = BceClientConfiguration(
        credentials=BceCredentials(ak, sk),
        endpoint=host,
        protocol=protocol.HTTP,
        proxy_host=proxy_host,
        proxy_port=int(proxy_port),
    )
    return BccClient(config)


def list_all(call, items_attr, page_size):
    ids, marker, pages = [], None, 0
    while True:
        resp = call(marker=marker, max_keys=page_size)
        pages += 1
        ids.extend(item.id for item in getattr(resp, items_attr))
        if not resp.is_truncated:
            return ids, pages
        marker = resp.next_marker
        if pages > 100000:
            raise RuntimeError("pagination did not terminate")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", required=True)
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    args.ak = os.environ["BAIDUCLOUD_ACCESS_KEY"]
    args.sk = os.environ["BAIDUCLOUD_SECRET_KEY"]

    with open(args.world, encoding="utf-8") as f:
        world = json.load(f)
    account = world["accounts"][0]
    failures = 0
    checked_regions = 0

    regions = client_for("bcc.baidubce.com", args.proxy, args.ak, args.sk).describe_regions("")
    got_regions = sorted(r.region_id for r in regions.regions)
    want_regions = sorted(r["regionId"] for r in account["regions"])
    status = "ok" if got_regions == want_regions else "MISMATCH"
    failures += status != "ok"
    log(f"describeRegions: {len(got_regions)} regions {status}")

    for region, collections in sorted(account.get("resources", {}).items()):
        client = client_for(f"bcc.{region}.baidubce.com", args.proxy, args.ak, args.sk)
        for label, call, attr, collection, kind in [
            ("instances", client.list_instances, "instances", "bcc_instances", "baidu_bcc_instance"),
            ("security groups", client.list_security_groups, "security_groups", "bcc_security_groups",
             "baidu_bcc_security_group"),
        ]:
            want = [item["id"] for item in collections.get(collection, [])]
            got, pages = list_all(call, attr, args.page_size)
            status = "ok" if got == want else "MISMATCH"
            failures += status != "ok"
            log(f"{region}: {label}: sdk {len(got)} in {pages} pages, world {len(want)} {status}")
            if got != want:
                missing = sorted(set(want) - set(got))[:5]
                extra = sorted(set(got) - set(want))[:5]
                log(f"  missing {missing} unexpected {extra}")
            emit(kind, region, got)
        checked_regions += 1

    # The SDK must also see the simulator's errors the way it sees BCE's.
    try:
        client_for("bcc.bj.baidubce.com", args.proxy, args.ak, args.sk + "x").list_instances(max_keys=1)
        log("wrong secret: accepted MISMATCH")
        failures += 1
    except (BceHttpClientError, BceServerError) as e:
        # The SDK wraps the server's error in a client error after its retry loop.
        err = getattr(e, "last_error", e)
        status, code, request_id = (getattr(err, a, None) for a in ("status_code", "code", "request_id"))
        ok = status in (400, 403) and code == "SignatureDoesNotMatch" and bool(request_id)
        failures += not ok
        log(f"wrong secret: {status} {code} request id {request_id} {'ok' if ok else 'MISMATCH'}")

    if checked_regions < 2:
        log("the world must have resources in at least two regions")
        failures += 1
    log(f"compat_bcc: {checked_regions} regions checked, {failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
