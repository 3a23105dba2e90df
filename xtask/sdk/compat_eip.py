"""List the simulator's EIPs through the official Baidu Python SDK (bce-python-sdk).

Usage: BAIDUCLOUD_ACCESS_KEY=.. BAIDUCLOUD_SECRET_KEY=.. python compat_eip.py --world WORLD.json --proxy 127.0.0.1:PORT [--page-size N]

Follows the protocol of every xtask/sdk/compat_*.py script (see compat_bcc.py): one JSON line
per (kind, region) on stdout, {"kind": ..., "region": ..., "ids": [...]} (the ids are the
addresses, `eip`, which is what Vigil uses as the EIP's id), which `cargo xtask sdk-compat`
compares with what `vigil sync` stored; human-readable lines on stderr; a non-zero exit on
any mismatch with the world file or SDK error.

The SDK's EipClient is pointed at the simulator through its proxy setting with protocol HTTP,
keeping the real host name (eip.<region>.baidubce.com) in Host and the signature. For each
region with resources, EIPs are listed page by page and compared with the world file:
the same items, verbatim and in order. The SDK's own filters are checked too: by status
(EipStatus enum), by bound instance (instance_type + instance_id) and by address.
"""

import argparse
import json
import os
import sys

from baidubce import protocol
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.services.eip.eip_client import EipClient
from baidubce.services.eip.model import EipStatus


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
    return EipClient(config)


def list_all(client, page_size, **filters):
    """Every EIP (raw JSON items), following next_marker; returns (items, pages)."""
    items, marker, pages = [], None, 0
    while True:
        resp = client.list_eips(marker=marker, max_keys=page_size, **filters)
        pages += 1
        # The SDK keeps the raw body next to its objects; compare the JSON verbatim.
        page = json.loads(resp.raw_data)["eipList"]
        if [e.eip for e in resp.eip_list] != [e["eip"] for e in page]:
            raise RuntimeError("the SDK's objects disagree with the raw body")
        items.extend(page)
        if not resp.is_truncated:
            return items, pages
        marker = resp.next_marker
        if pages > 100000:
            raise RuntimeError("pagination did not terminate")


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
    failures = 0
    checked_regions = 0
    total = 0

    def verdict(label, got, want):
        nonlocal failures
        ok = got == want
        failures += not ok
        log(f"{label} {'ok' if ok else 'MISMATCH'}")
        if not ok:
            got_ids = [e.get("eip") for e in got]
            want_ids = [e.get("eip") for e in want]
            log(f"  missing {sorted(set(want_ids) - set(got_ids))[:5]} unexpected {sorted(set(got_ids) - set(want_ids))[:5]}")

    for region, collections in sorted(account.get("resources", {}).items()):
        client = client_for(f"eip.{region}.baidubce.com", args.proxy, ak, sk)
        want = collections.get("eip_eips", [])
        got, pages = list_all(client, args.page_size)
        verdict(f"{region}: eips: sdk {len(got)} in {pages} pages, world {len(want)}", got, want)
        emit("baidu_eip_eip", region, [e["eip"] for e in got])
        total += len(got)
        # Small pages too, so the SDK follows several markers.
        small, pages = list_all(client, 4)
        verdict(f"{region}: eips in pages of 4: sdk {len(small)} in {pages} pages", small, want)

        for status in (EipStatus.AVAILABLE, EipStatus.BINDED, EipStatus.PAUSED):
            name = status.value.decode()
            got_s, _ = list_all(client, args.page_size, status=status)
            want_s = [e for e in want if e["status"] == name]
            verdict(f"{region}: eips with status {name}: sdk {len(got_s)}, world {len(want_s)}", got_s, want_s)
        bound = [e for e in want if e.get("instanceId")]
        if bound:
            first = bound[0]
            got_b, _ = list_all(client, args.page_size, instance_type=first["instanceType"],
                                instance_id=first["instanceId"])
            verdict(f"{region}: eips bound to {first['instanceId']}: sdk {len(got_b)}",
                    got_b, [e for e in want if e.get("instanceId") == first["instanceId"]])
            got_a, _ = list_all(client, args.page_size, eip=first["eip"])
            verdict(f"{region}: eip {first['eip']}: sdk {len(got_a)}", got_a, [first])
        checked_regions += 1

    if checked_regions < 2 or total == 0:
        log("the world must have EIPs in at least two regions")
        failures += 1
    log(f"compat_eip: {checked_regions} regions checked, {total} eips, {failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
