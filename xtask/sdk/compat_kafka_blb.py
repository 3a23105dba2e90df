"""List the simulator's Kafka, BLB and application BLB data through the official Baidu Python
SDK (bce-python-sdk).

Usage: BAIDUCLOUD_ACCESS_KEY=.. BAIDUCLOUD_SECRET_KEY=.. python compat_kafka_blb.py --world WORLD.json --proxy 127.0.0.1:PORT [--page-size N]

Follows the protocol of every xtask/sdk/compat_*.py script (see compat_bcc.py): one JSON line
per (kind, region) listed on stdout, {"kind": ..., "region": ..., "ids": [...]}, which
`cargo xtask sdk-compat` compares with what `vigil sync` stored; human-readable lines on
stderr; a non-zero exit on any mismatch with the world file or SDK error.

The SDK is pointed at the simulator through its own proxy setting with protocol HTTP, so every
request keeps the real host name (kafka.<region>.baidubce.com, blb.<region>.baidubce.com) in
its Host header and signature, exactly as it would against the cloud.

- Kafka: the Python SDK has no Kafka client, so the calls go through the SDK's own signed
  request machinery (bce_http_client.send_request with bce_v1_signer.sign and the SDK's
  error/JSON handlers), exactly as its product clients do: GET /v2/clusters page by page,
  then GET /v2/clusters/{id} and GET /v2/clusters/{id}/access-endpoints for every cluster.
- BLB: BlbClient.describe_loadbalancers page by page, describe_all_listeners for every load
  balancer (page by page, combined), describe_https_listener and describe_loadbalancer_detail
  for the first one.
- Application BLB: AppBlbClient.describe_app_loadbalancers, describe_app_all_listener,
  describe_app_https_listener, describe_app_loadbalancer_detail, the same way.

Everything is compared with the world file: same ids in the same order, every item verbatim,
every child-call body equal to the world's data. Errors are checked too: a wrong secret gives
SignatureDoesNotMatch, an unknown cluster or load balancer NoSuchObject (404).
"""

import argparse
import copy
import json
import os
import sys

from baidubce import bce_client_configuration, protocol
from baidubce.auth import bce_v1_signer
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError, BceServerError
from baidubce.http import bce_http_client, handler, http_methods
from baidubce.services.blb.app_blb_client import AppBlbClient
from baidubce.services.blb.blb_client import BlbClient

KAFKA_KIND = "baidu_kafka_cluster"
BLB_KIND = "baidu_blb_load_balancer"
APPBLB_KIND = "baidu_appblb_load_balancer"


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


class Kafka:
    """GETs on the Kafka API, signed and parsed by the SDK's generic request machinery."""

    def __init__(self, host, proxy, ak, sk):
        # What BceBaseClient does: the SDK's defaults (retries, timeouts) under our settings.
        self.config = copy.deepcopy(bce_client_configuration.DEFAULT_CONFIG)
        self.config.merge_non_none_values(config_for(host, proxy, ak, sk))

    def get(self, path, params=None):
        response = bce_http_client.send_request(
            self.config,
            bce_v1_signer.sign,
            [handler.parse_error, handler.parse_json],
            http_methods.GET,
            path.encode(),
            None,
            {b"Accept": b"*/*", b"Content-Type": b"application/json;charset=utf-8"},
            params or {},
        )
        # parse_json keeps the body text: compare field names exactly, not pythonized.
        return json.loads(response.raw_data)


class Checker:
    def __init__(self):
        self.failures = 0

    def check(self, label, ok, detail=""):
        self.failures += not ok
        log(f"{label}: {'ok' if ok else 'MISMATCH'}{' ' + detail if detail and not ok else ''}")

    def same_list(self, label, got, want, id_field):
        """Same ids in the same order, and every item verbatim."""
        got_ids, want_ids = [g.get(id_field) for g in got], [w.get(id_field) for w in want]
        ok = got == want
        detail = ""
        if not ok:
            missing = [w for w in want_ids if w not in got_ids][:5]
            extra = [g for g in got_ids if g not in want_ids][:5]
            differ = sum(1 for g, w in zip(got, want) if g != w)
            detail = f"(missing {missing} unexpected {extra}; {differ} items differ in place)"
        self.failures += not ok
        log(f"{label}: sdk {len(got)}, world {len(want)} {'ok' if ok else 'MISMATCH ' + detail}")


def pages(fetch, items_key, page_size):
    """Follow marker pages of fetch(marker, max_keys) -> dict; every item of every page."""
    items, marker, count = [], None, 0
    while True:
        body = fetch(marker, page_size)
        count += 1
        items.extend(body.get(items_key) or [])
        if not body.get("isTruncated"):
            if "nextMarker" in body:
                raise RuntimeError(f"nextMarker on the last page: {body}")
            return items, count
        marker = body["nextMarker"]
        if count > 100000:
            raise RuntimeError("pagination did not terminate")


def list_page_size(args):
    """Lists are paged at a quarter of --page-size, so a few dozen items cross pages."""
    return max(1, args.page_size // 4)


def raw(response):
    """The body of an SDK client's response, with BCE's own field names."""
    return json.loads(response.raw_data)


def by_id(items, field):
    return {item[field]: item for item in items}


def expect_error(checker, label, call, statuses, code):
    try:
        call()
        checker.check(label, False, "(the call succeeded)")
    except (BceHttpClientError, BceServerError) as e:
        # The SDK wraps the server's error in a client error after its retry loop.
        err = getattr(e, "last_error", e)
        status, got_code, request_id = (getattr(err, a, None) for a in ("status_code", "code", "request_id"))
        ok = status in statuses and got_code == code and bool(request_id)
        checker.check(label, ok, f"({status} {got_code} request id {request_id})")


def check_kafka(checker, region, collections, args):
    host = f"kafka.{region}.baidubce.com"
    kafka = Kafka(host, args.proxy, args.ak, args.sk)
    want = collections.get("kafka_clusters", [])

    def fetch(marker, max_keys):
        params = {b"maxKeys": max_keys}
        if marker is not None:
            params[b"marker"] = marker
        return kafka.get("/v2/clusters", params)

    got, count = pages(fetch, "clusters", list_page_size(args))
    checker.same_list(f"{region}: kafka clusters ({count} pages)", got, want, "clusterId")
    details = by_id(collections.get("kafka_cluster_details", []), "clusterId")
    endpoints = by_id(collections.get("kafka_access_endpoints", []), "clusterId")
    bad_detail = bad_endpoints = 0
    for cluster in got:
        cid = cluster["clusterId"]
        detail = kafka.get(f"/v2/clusters/{cid}")
        if cid in details and detail != {"cluster": details[cid]}:
            bad_detail += 1
        if detail["cluster"].get("clusterId") != cid:
            bad_detail += 1
        access = kafka.get(f"/v2/clusters/{cid}/access-endpoints")
        want_access = endpoints.get(cid, {}).get("accessEndpoints", [])
        if access != {"accessEndpoints": want_access}:
            bad_endpoints += 1
    checker.check(f"{region}: kafka details of {len(got)} clusters", bad_detail == 0, f"({bad_detail} differ)")
    checker.check(f"{region}: kafka access endpoints of {len(got)} clusters", bad_endpoints == 0,
                  f"({bad_endpoints} differ)")
    expect_error(checker, f"{region}: kafka unknown cluster", lambda: kafka.get("/v2/clusters/no-such-cluster"),
                 (404,), "NoSuchObject")
    emit(KAFKA_KIND, region, [c["clusterId"] for c in got])


def check_blb(checker, region, collections, args, app):
    config = config_for(f"blb.{region}.baidubce.com", args.proxy, args.ak, args.sk)
    if app:
        client = AppBlbClient(config)
        label, prefix, kind = "appblb", "appblb", APPBLB_KIND
        list_lbs, all_listeners = client.describe_app_loadbalancers, client.describe_app_all_listener
        https_listeners, detail = client.describe_app_https_listener, client.describe_app_loadbalancer_detail
    else:
        client = BlbClient(config)
        label, prefix, kind = "blb", "blb", BLB_KIND
        list_lbs, all_listeners = client.describe_loadbalancers, client.describe_all_listeners
        https_listeners, detail = client.describe_https_listener, client.describe_loadbalancer_detail
    want = collections.get(f"{prefix}_load_balancers", [])
    got, count = pages(lambda m, k: raw(list_lbs(marker=m, max_keys=k)), "blbList", list_page_size(args))
    checker.same_list(f"{region}: {label} load balancers ({count} pages)", got, want, "blbId")
    # The SDK's own (pythonized) view must name the same ids.
    first_page = list_lbs(max_keys=args.page_size)
    sdk_ids = [lb.blb_id for lb in first_page.blb_list]
    checker.check(f"{region}: {label} SDK objects", sdk_ids == [lb["blbId"] for lb in want[: args.page_size]])

    listeners = {e["blbId"]: e.get("listeners", []) for e in collections.get(f"{prefix}_listeners", [])}
    bad, listener_pages, listener_count = 0, 0, 0
    for lb in got:
        lid = lb["blbId"]
        items, n = pages(lambda m, k: raw(all_listeners(lid, marker=m, max_keys=k)), "listenerList",
                         max(1, args.page_size // 10))
        listener_pages += n
        listener_count += len(items)
        if items != listeners.get(lid, []):
            bad += 1
    checker.check(f"{region}: {label} listeners of {len(got)} load balancers ({listener_count} listeners, "
                  f"{listener_pages} pages)", bad == 0, f"({bad} differ)")
    if got:
        lid = got[0]["blbId"]
        https = raw(https_listeners(lid)).get("listenerList", [])
        want_https = [{k: v for k, v in l.items() if k != "listenerType"}
                      for l in listeners.get(lid, []) if l.get("listenerType") == "HTTPS"]
        checker.check(f"{region}: {label} HTTPS listeners of {lid}", https == want_https)
        d = raw(detail(lid))
        ports = [{"port": str(l["listenerPort"]), "type": l["listenerType"]} for l in listeners.get(lid, [])]
        ok = d.get("blbId") == lid and d.get("listener") == ports and all(d.get(k) == v for k, v in got[0].items())
        checker.check(f"{region}: {label} detail of {lid}", ok)
    expect_error(checker, f"{region}: {label} unknown load balancer", lambda: all_listeners("lb-nosuch0"),
                 (404,), "NoSuchObject")
    emit(kind, region, [lb["blbId"] for lb in got])


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
    checker = Checker()
    checked_regions = 0
    for region, collections in sorted(account.get("resources", {}).items()):
        check_kafka(checker, region, collections, args)
        check_blb(checker, region, collections, args, app=False)
        check_blb(checker, region, collections, args, app=True)
        checked_regions += 1

    # A wrong secret is refused the way BCE refuses it, through both kinds of client.
    some_region = next(iter(sorted(account.get("resources", {}))), "bj")
    wrong = args.sk + "x"
    expect_error(checker, "kafka wrong secret",
                 lambda: Kafka(f"kafka.{some_region}.baidubce.com", args.proxy, args.ak, wrong).get("/v2/clusters"),
                 (400, 403), "SignatureDoesNotMatch")
    expect_error(checker, "blb wrong secret",
                 lambda: BlbClient(config_for(f"blb.{some_region}.baidubce.com", args.proxy, args.ak, wrong))
                 .describe_loadbalancers(max_keys=1),
                 (400, 403), "SignatureDoesNotMatch")

    if checked_regions < 2:
        log("the world must have resources in at least two regions")
        checker.failures += 1
    log(f"compat_kafka_blb: {checked_regions} regions checked, {checker.failures} mismatches")
    sys.exit(1 if checker.failures else 0)


if __name__ == "__main__":
    main()
