"""List the simulator's global products (BOS buckets, IAM users/groups/custom policies)
through the official Baidu Python SDK (bce-python-sdk).

Usage: BAIDUCLOUD_ACCESS_KEY=.. BAIDUCLOUD_SECRET_KEY=.. python compat_global.py --world WORLD.json --proxy 127.0.0.1:PORT [--page-size N]

Follows the protocol of every xtask/sdk/compat_*.py script: one JSON line per (kind, region)
on stdout, {"kind": ..., "region": ..., "ids": [...]}, which `cargo xtask sdk-compat` compares
with what `vigil sync` stored; human-readable lines on stderr; a non-zero exit on any mismatch
with the world file or SDK error. The page size is accepted and ignored: neither BOS
ListBuckets nor the IAM lists paginate.

The SDK clients are pointed at the simulator through their own proxy setting with protocol
HTTP (BosClient and IamClient both honour proxy_host/proxy_port for HTTP: the request goes to
the proxy in origin form and the Host header and signature keep the real host name).

BOS (BosClient): ListBuckets on bj.bcebos.com must return every bucket of every region of the
world with its location; each bucket is emitted under its location region (that is where
`vigil sync` stores it). Every bucket's ACL, encryption, logging, versioning and location are
read from its own region's endpoint, in the SDK's default virtual-host style
(`{bucket}.{region}.bcebos.com/?acl`), the ACL also in path style
(`{region}.bcebos.com/{bucket}?acl`), and compared with the world's `bos_bucket_configs`.
An unknown bucket must be the SDK's 404 NoSuchBucket.

IAM (IamClient on iam.bj.baidubce.com): users, groups and custom policies (ids, emitted under
region `global`), and per user the access keys, attached policies, groups and login profile
(404 NoSuchObject for users without console login), per group its policies, compared with the
world file.
"""

import argparse
import json
import os
import sys

from baidubce import protocol
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError, BceServerError
from baidubce.services.bos.bos_client import BosClient
from baidubce.services.iam.iam_client import IamClient

FAILURES = 0


def log(line):
    print(line, file=sys.stderr)


def emit(kind, region, ids):
    print(json.dumps({"kind": kind, "region": region, "ids": ids}))


def check(label, got, want):
    global FAILURES
    ok = got == want
    FAILURES += not ok
    if not ok:
        log(f"{label}: sdk {got!r} world {want!r} MISMATCH")
    return ok


def config(host, proxy, ak, sk, path_style=False):
    proxy_host, proxy_port = proxy.rsplit(":", 1)
    return BceClientConfiguration(
        credentials=BceCredentials(ak, sk),
        endpoint=host,
        protocol=protocol.HTTP,
        proxy_host=proxy_host,
        proxy_port=int(proxy_port),
        path_style_enable=path_style,
    )


def server_error(call):
    """Run call, which must fail; return (status, code, request id) of the server's error."""
    try:
        call()
    except (BceHttpClientError, BceServerError) as e:
        err = getattr(e, "last_error", e)
        return tuple(getattr(err, a, None) for a in ("status_code", "code", "request_id"))
    return (200, None, None)


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def check_bos(account, args):
    regions = [r["regionId"] for r in account["regions"]]
    resources = account.get("resources", {})
    want = {}  # name -> region
    want_by_region = {r: [] for r in regions}
    configs = {}
    for region in regions:
        for b in resources.get(region, {}).get("bos_buckets", []):
            want[b["name"]] = region
            want_by_region[region].append(b["name"])
        for c in resources.get(region, {}).get("bos_bucket_configs", []):
            configs[c["bucket"]] = c

    home = BosClient(config("bj.bcebos.com", args.proxy, args.ak, args.sk))
    listed = home.list_buckets()
    got = {text(b.name): text(b.location) for b in listed.buckets}
    check("bos: ListBuckets (name -> location)", got, want)
    check("bos: owner", text(listed.owner.id), account["id"])
    log(f"bos: ListBuckets: {len(got)} buckets in {len(set(got.values()))} regions")
    for region in regions:
        emit("baidu_bos_bucket", region, [n for n, r in got.items() if r == region])

    clients, path_clients = {}, {}
    public = 0
    for name, region in sorted(got.items()):
        if region not in clients:
            host = f"{region}.bcebos.com"
            clients[region] = BosClient(config(host, args.proxy, args.ak, args.sk))
            path_clients[region] = BosClient(config(host, args.proxy, args.ak, args.sk, True))
        bos, by_path = clients[region], path_clients[region]
        conf = configs.get(name, {})

        acl = bos.get_bucket_acl(name)
        entries = [(sorted(g.id for g in e.grantee), sorted(e.permission)) for e in acl.access_control_list]
        path_acl = by_path.get_bucket_acl(name)
        check(f"bos: {name}: ACL path style = virtual host",
              [(sorted(g.id for g in e.grantee), sorted(e.permission)) for e in path_acl.access_control_list],
              entries)
        check(f"bos: {name}: owner FULL_CONTROL", entries[0], ([account["id"]], ["FULL_CONTROL"]))
        everyone = any("*" in grantees for grantees, _ in entries)
        public += everyone
        check(f"bos: {name}: public", everyone,
              conf.get("acl", "private") != "private" or any(
                  g.get("id") == "*" for e in conf.get("grants", []) for g in e.get("grantee", [])))

        enc = bos.get_bucket_encryption(name)
        check(f"bos: {name}: encryption", enc.encryption_algorithm, conf.get("encryptionAlgorithm", "NONE"))

        logging = bos.get_bucket_logging(name)
        if "logging" in conf:
            check(f"bos: {name}: logging",
                  (logging.status, logging.target_bucket, logging.target_prefix),
                  ("enabled", conf["logging"]["targetBucket"], conf["logging"]["targetPrefix"]))
        else:
            check(f"bos: {name}: logging", logging.status, "disabled")

        versioning = bos.get_bucket_versioning(name)
        check(f"bos: {name}: versioning", versioning.status, conf.get("versioning", "disabled"))

        check(f"bos: {name}: location", text(bos.get_bucket_location(name)), region)
    log(f"bos: settings of {len(got)} buckets read in both addressing styles ({public} readable by everyone)")

    status, code, request_id = server_error(lambda: home.get_bucket_acl("vigil-no-such-bucket"))
    check("bos: unknown bucket", (status, code, bool(request_id)), (404, "NoSuchBucket", True))


def check_iam(account, args):
    iam = IamClient(config("iam.bj.baidubce.com", args.proxy, args.ak, args.sk))
    users = iam.list_user().users
    check("iam: users", [u.id for u in users], [u["id"] for u in account["users"]])
    emit("baidu_iam_user", "global", [u.id for u in users])
    world_users = {u["name"]: u for u in account["users"]}
    no_login = 0
    for u in users:
        name = u.name.encode()
        w = world_users.get(u.name, {})
        keys = iam.list_user_accesskey(name).access_keys
        check(f"iam: {u.name}: access keys", [k.id for k in keys],
              [k["access_key_id"] for k in w.get("access_keys", [])])
        policies = iam.list_policies_from_user(name).policies
        check(f"iam: {u.name}: policies", [p.name for p in policies], w.get("policies", []))
        groups = iam.list_user_group(name).groups
        check(f"iam: {u.name}: groups", [g.name for g in groups], w.get("groups", []))
        if w.get("login_profile") is None:
            no_login += 1
            status, code, _ = server_error(lambda: iam.get_user_login_profile(name))
            check(f"iam: {u.name}: no login profile", (status, code), (404, "NoSuchObject"))
        else:
            profile = iam.get_user_login_profile(name)
            check(f"iam: {u.name}: MFA", profile.enabled_login_mfa,
                  w["login_profile"].get("enabled_login_mfa", False))
    log(f"iam: {len(users)} users with keys, policies, groups, login profiles ({no_login} without console login)")

    groups = iam.list_group().groups
    check("iam: groups", [g.id for g in groups], [g["id"] for g in account.get("groups", [])])
    emit("baidu_iam_group", "global", [g.id for g in groups])
    world_groups = {g["name"]: g for g in account.get("groups", [])}
    for g in groups:
        policies = iam.list_policies_from_group(g.name.encode()).policies
        check(f"iam: group {g.name}: policies", [p.name for p in policies],
              world_groups.get(g.name, {}).get("policies", []))
    log(f"iam: {len(groups)} groups with their policies")

    policies = iam.list_policy(policy_type="Custom").policies
    check("iam: custom policies", [p.id for p in policies],
          [p["id"] for p in account.get("custom_policies", [])])
    for p in policies:
        check(f"iam: policy {p.name}: type", p.type, "Custom")
        check(f"iam: policy {p.name}: document is an ACL",
              isinstance(json.loads(p.document).get("accessControlList"), list), True)
    emit("baidu_iam_policy", "global", [p.id for p in policies])
    log(f"iam: {len(policies)} custom policies")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", required=True)
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    args.ak = os.environ["BAIDUCLOUD_ACCESS_KEY"]
    args.sk = os.environ["BAIDUCLOUD_SECRET_KEY"]

    with open(args.world, encoding="utf-8") as f:
        account = json.load(f)["accounts"][0]
    check_bos(account, args)
    check_iam(account, args)
    log(f"compat_global: {FAILURES} mismatches")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
