"""List the simulator's database products (RDS, SCS/Redis, MongoDB) through the official Baidu
Python SDK (bce-python-sdk).

Usage: BAIDUCLOUD_ACCESS_KEY=.. BAIDUCLOUD_SECRET_KEY=.. python compat_databases.py --world WORLD.json --proxy 127.0.0.1:PORT [--page-size N]

Follows the protocol of every xtask/sdk/compat_*.py script (see compat_bcc.py): one JSON line
per (kind, region) listed on stdout, {"kind": ..., "region": ..., "ids": [...]}, which
`cargo xtask sdk-compat` compares with what `vigil sync` stored; human-readable lines on
stderr; a non-zero exit on any mismatch with the world file or SDK error.

The SDK is pointed at the simulator through its proxy setting with protocol HTTP, so every
request keeps the real host name (rds.<region>.baidubce.com, redis.<region>.baidubce.com,
mongodb.<region>.baidubce.com) in its Host header and signature. Per region with resources:

- RDS with the SDK's RDSClient: list_instances page by page (the same ids as the world's
  rds_instances), get_white_list for every instance (etag and securityIps equal to the
  world's rds_security_ips entry), get_instance_detail for the first one.
- SCS with the SDK's ScsClient: list_instances page by page (the SDK lists on /v1/instance),
  list_security_ip and get_instance_detail (vpcId of the world's scs_details) for every
  instance, and the backup policy through the client's own request machinery (the SDK has no
  getter for it) against scs_backup_policies.
- MongoDB, which the Python SDK has no client for, through the SDK's signed generic request
  (BceBaseClient._send_request: bce_v1_signer + parse_json): GET /v1/instance?manner=marker
  page by page, and per instance the detail, the whitelist (GET /v1/instance/{id} with the
  value-less key describeSecurityIps, sent by the SDK as `describeSecurityIps=`) and the
  backup policy, against mongodb_details / mongodb_security_ips / mongodb_backup_policies.

Finally an unknown RDS instance must be a 404 NoSuchObject the way the SDK sees BCE errors.
"""

import argparse
import json
import os
import sys

from baidubce import protocol
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_base_client import BceBaseClient
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError, BceServerError
from baidubce.http import http_methods
from baidubce.services.rds.rds_client import RDSClient
from baidubce.services.scs.scs_client import ScsClient


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


class GenericClient(BceBaseClient):
    """The SDK's base client: its signer, HTTP stack, retries and JSON parsing, no product."""

    def __init__(self, config, service):
        self._service = service
        BceBaseClient.__init__(self, config)

    def _compute_service_id(self):
        return self._service

    def get(self, path, params=None):
        resp = self._send_request(http_methods.GET, path.encode(), params=params)
        return json.loads(resp.raw_data)


def list_pages(call, items_of, id_of, next_of, page_size):
    """Follow marker pagination; return (ids, pages)."""
    ids, marker, pages = [], None, 0
    while True:
        resp = call(marker, page_size)
        pages += 1
        ids.extend(id_of(item) for item in items_of(resp))
        truncated, next_marker = next_of(resp)
        if not truncated:
            return ids, pages
        marker = next_marker
        if pages > 100000:
            raise RuntimeError("pagination did not terminate")


def by_id(items, field):
    return {item[field]: item for item in items}


def without(entry, key):
    return {k: v for k, v in entry.items() if k != key}


class Checker:
    def __init__(self):
        self.failures = 0

    def check(self, label, ok, detail=""):
        self.failures += not ok
        if not ok:
            log(f"{label}: MISMATCH {detail}")
        return ok

    def compare_ids(self, region, label, got, want, pages, ordered=True):
        same = got == want if ordered else sorted(got) == sorted(want) and len(got) == len(set(got))
        status = "ok" if same else "MISMATCH"
        self.failures += not same
        log(f"{region}: {label}: sdk {len(got)} in {pages} pages, world {len(want)} {status}")
        if not same:
            log(f"  missing {sorted(set(want) - set(got))[:5]} unexpected {sorted(set(got) - set(want))[:5]}")


def check_rds(c, region, collections, args):
    client = RDSClient(config_for(f"rds.{region}.baidubce.com", args.proxy, args.ak, args.sk))
    instances = collections.get("rds_instances", [])
    want = [i["instanceId"] for i in instances]
    got, pages = list_pages(
        lambda marker, size: client.list_instances(marker=marker, max_keys=size),
        lambda resp: resp.instances or [],
        lambda item: item.instance_id,
        lambda resp: (resp.is_truncated, resp.next_marker),
        args.page_size,
    )
    # maxKeys counts groups (a primary with its replicas): compare as sets.
    c.compare_ids(region, "rds instances", got, want, pages, ordered=False)
    emit("baidu_rds_instance", region, got)
    whitelists = by_id(collections.get("rds_security_ips", []), "instanceId")
    bad = 0
    for instance_id in want:
        body = json.loads(client.get_white_list(instance_id).raw_data)
        expected = without(whitelists.get(instance_id, {"etag": "v0", "securityIps": []}), "instanceId")
        bad += not c.check(f"{region}: rds whitelist {instance_id}", body == expected, f"{body} != {expected}")
    if want:
        detail = json.loads(client.get_instance_detail(want[0]).raw_data)
        bad += not c.check(f"{region}: rds detail {want[0]}", detail == instances[0], "differs from the world item")
    log(f"{region}: rds whitelists and detail: {len(want) + 1} calls, {bad} bad")


def check_scs(c, region, collections, args):
    client = ScsClient(config_for(f"redis.{region}.baidubce.com", args.proxy, args.ak, args.sk))
    want = [i["instanceId"] for i in collections.get("scs_instances", [])]
    got, pages = list_pages(
        lambda marker, size: client.list_instances(marker=marker, max_keys=size),
        lambda resp: resp.instances or [],
        lambda item: item.instance_id,
        lambda resp: (resp.is_truncated, None if resp.next_marker == "None" else resp.next_marker),
        args.page_size,
    )
    c.compare_ids(region, "scs instances", got, want, pages)
    emit("baidu_scs_instance", region, got)
    details = by_id(collections.get("scs_details", []), "instanceId")
    whitelists = by_id(collections.get("scs_security_ips", []), "instanceId")
    policies = by_id(collections.get("scs_backup_policies", []), "instanceId")
    bad = 0
    for instance_id in want:
        ips = client.list_security_ip(instance_id).security_ips
        expected_ips = whitelists.get(instance_id, {}).get("securityIps", [])
        bad += not c.check(f"{region}: scs whitelist {instance_id}", ips == expected_ips, f"{ips} != {expected_ips}")
        detail = client.get_instance_detail(instance_id)
        expected_vpc = details.get(instance_id, {}).get("vpcId")
        bad += not c.check(
            f"{region}: scs detail {instance_id}",
            detail.instance_id == instance_id and detail.vpc_id == expected_vpc,
            f"{detail.instance_id} {detail.vpc_id} != {expected_vpc}",
        )
        # No getter in the SDK: the client's own signed request to the Go SDK's path.
        policy = client._send_request(
            http_methods.GET, function_name="instance", key=instance_id + "/backup/policy", api_version=1
        )
        expected = policies.get(instance_id, {})
        got_policy = (policy.backup_days, policy.backup_time, policy.expire_day, policy.is_encrypt)
        want_policy = tuple(expected.get(k) for k in ("backupDays", "backupTime", "expireDay", "isEncrypt"))
        bad += not c.check(f"{region}: scs backup policy {instance_id}", got_policy == want_policy,
                           f"{got_policy} != {want_policy}")
    log(f"{region}: scs whitelists, details, backup policies: {3 * len(want)} calls, {bad} bad")


def check_mongodb(c, region, collections, args):
    client = GenericClient(config_for(f"mongodb.{region}.baidubce.com", args.proxy, args.ak, args.sk), "mongodb")
    instances = collections.get("mongodb_instances", [])
    want = [i["dbInstanceId"] for i in instances]

    def page(marker, size):
        params = {b"manner": b"marker", b"maxKeys": str(size).encode()}
        if marker is not None:
            params[b"marker"] = marker.encode()
        return client.get("/v1/instance", params)

    got, pages = list_pages(
        page,
        lambda body: body.get("dbInstances", []),
        lambda item: item["dbInstanceId"],
        lambda body: (body.get("isTruncated", False), body.get("nextMarker")),
        args.page_size,
    )
    c.compare_ids(region, "mongodb instances", got, want, pages)
    emit("baidu_mongodb_instance", region, got)
    items = by_id(instances, "dbInstanceId")
    details = by_id(collections.get("mongodb_details", []), "dbInstanceId")
    whitelists = by_id(collections.get("mongodb_security_ips", []), "dbInstanceId")
    policies = by_id(collections.get("mongodb_backup_policies", []), "dbInstanceId")
    bad = 0
    for instance_id in want:
        path = f"/v1/instance/{instance_id}"
        detail = client.get(path)
        expected = dict(items[instance_id])
        expected.update(without(details.get(instance_id, {}), "dbInstanceId"))
        bad += not c.check(f"{region}: mongodb detail {instance_id}", detail == expected, "differs from the world")
        # A value-less query key: the SDK sends and signs it as `describeSecurityIps=`.
        ips = client.get(path, {b"describeSecurityIps": None})
        expected_ips = {"securityIps": whitelists.get(instance_id, {}).get("securityIps", [])}
        bad += not c.check(f"{region}: mongodb whitelist {instance_id}", ips == expected_ips, f"{ips} != {expected_ips}")
        policy = client.get(path + "/backupPolicy")
        expected_policy = without(policies.get(instance_id, {}), "dbInstanceId")
        bad += not c.check(f"{region}: mongodb backup policy {instance_id}", policy == expected_policy,
                           f"{policy} != {expected_policy}")
    log(f"{region}: mongodb details, whitelists, backup policies: {3 * len(want)} calls, {bad} bad")


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
    c = Checker()
    checked = {"rds": 0, "scs": 0, "mongodb": 0}
    first_rds_region = None

    for region, collections in sorted(account.get("resources", {}).items()):
        for product, collection, check in [
            ("rds", "rds_instances", check_rds),
            ("scs", "scs_instances", check_scs),
            ("mongodb", "mongodb_instances", check_mongodb),
        ]:
            if not collections.get(collection):
                continue
            try:
                check(c, region, collections, args)
                checked[product] += 1
            except (BceHttpClientError, BceServerError) as e:
                err = getattr(e, "last_error", e)
                log(f"{region}: {product}: SDK error {getattr(err, 'status_code', None)} "
                    f"{getattr(err, 'code', None)}: {err}")
                c.failures += 1
        if collections.get("rds_instances") and first_rds_region is None:
            first_rds_region = region

    # Unknown ids are BCE errors the SDK understands.
    if first_rds_region is not None:
        client = RDSClient(config_for(f"rds.{first_rds_region}.baidubce.com", args.proxy, args.ak, args.sk))
        try:
            client.get_white_list("rds-doesnotexist")
            log("unknown rds instance: answered MISMATCH")
            c.failures += 1
        except (BceHttpClientError, BceServerError) as e:
            err = getattr(e, "last_error", e)
            status, code, request_id = (getattr(err, a, None) for a in ("status_code", "code", "request_id"))
            ok = status == 404 and code == "NoSuchObject" and bool(request_id)
            c.failures += not ok
            log(f"unknown rds instance: {status} {code} request id {request_id} {'ok' if ok else 'MISMATCH'}")

    for product, regions in checked.items():
        if regions < 2:
            log(f"{product}: the world must have resources in at least two regions")
            c.failures += 1
    log(f"compat_databases: regions checked {checked}, {c.failures} mismatches")
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
