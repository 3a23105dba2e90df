#!/usr/bin/env python3
"""Golden bce-auth-v1 vectors produced by the official Python SDK signer.

Every vector is computed by ``baidubce.auth.bce_v1_signer.sign`` from
``bce-python-sdk==0.9.79`` (the pinned version is enforced) and checked by
``providers/baidu-auth/tests/vectors.rs`` against ``vigil_baidu_auth::sign``.

Usage (from the workspace root)::

    python3 -m venv target/sdk-venv
    target/sdk-venv/bin/pip install -r xtask/sdk/requirements.txt
    target/sdk-venv/bin/python xtask/sdk/gen_vectors.py \
        providers/baidu-auth/tests/vectors/python_sdk.json
    target/sdk-venv/bin/python xtask/sdk/gen_vectors.py --set published \
        providers/baidu-auth/tests/vectors/published.json

Without an output path the JSON goes to stdout. The output is byte-stable
(fixed vector order, sorted keys, indent=2, ASCII escapes, trailing newline),
so CI can regenerate it and diff it against the committed files.

How the SDK's ``sign`` is driven (facts read from the 0.9.79 source):

* ``path`` is used verbatim as the CanonicalURI: the caller must pass it
  already encoded. The SDK's BOS client builds it with
  ``utils.append_uri``, i.e. ``utils.normalize_string(segment, False)``;
  we do the same on the *decoded* path recorded in the vector.
* ``http_method`` is used verbatim (not upper-cased): pass ``b"GET"`` etc.
* ``headers`` must be a dict with ``bytes`` keys (the code calls
  ``k.strip().lower()`` and compares with ``bytes`` constants); values may be
  anything, they go through ``convert_to_bytes`` (str -> UTF-8) and
  ``bytes.strip()``, which removes ASCII whitespace only (`` \\t\\n\\r\\x0b\\x0c``).
* ``params``: anything with ``items()``; ``None`` values become ``""``.
  The intended ``authorization`` key filter is broken
  (``k.lower != ...`` compares a bound method), so an ``authorization``
  parameter would be signed; no vector uses one.
* ``timestamp``: epoch seconds, formatted with ``utcfromtimestamp``;
  ``0`` means "now", so no vector uses 0.
* ``headers_to_sign``: ``None`` or empty -> default set
  (host, content-md5, content-length, content-type) and the field is empty;
  a non-empty list of lower-case ``bytes`` names -> the field is
  ``b";".join(list)`` in the given order, but the canonical headers cover the
  listed names PLUS every ``x-bce-*`` header (the quirk). Each vector records
  ``effective_signed_headers`` (what the canonical headers really covered) and
  the exact ``canonical_request`` the SDK hashed.
"""

import argparse
import hmac as _hmac
import json
import sys
import urllib.parse
from importlib import metadata

SDK_DIST = "bce-python-sdk"
SDK_VERSION = "0.9.79"
SOURCE = "bce-python-sdk %s bce_v1_signer.sign" % SDK_VERSION
FORMAT_VERSION = 1

try:
    from baidubce import utils
    from baidubce.auth import bce_v1_signer
    from baidubce.auth.bce_credentials import BceCredentials
except ImportError as err:  # pragma: no cover - environment problem
    sys.exit(
        "cannot import the Baidu SDK (%s); install it with "
        "`pip install -r xtask/sdk/requirements.txt`" % err
    )


class _RecordingHmac:
    """Stands in for the ``hmac`` module inside ``bce_v1_signer`` and records
    every (key, message) pair, so the canonical request the SDK really hashed
    can be written into the vector. It delegates to the real ``hmac``."""

    def __init__(self):
        self.calls = []

    def new(self, key, msg=None, digestmod=None):
        self.calls.append((key, msg))
        return _hmac.new(key, msg, digestmod)


_RECORDER = _RecordingHmac()
bce_v1_signer.hmac = _RECORDER


class _Pairs:
    """A params object yielding several pairs with the same key (a dict
    cannot). ``get_canonical_querystring`` only calls ``items()``."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def items(self):
        return list(self._pairs)

    def __len__(self):
        return len(self._pairs)


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

TS_2024 = 1710491212  # 2024-03-15T08:26:52Z
TS_2015 = 1430123029  # 2015-04-27T08:23:49Z
TS_2014 = 1402639056  # 2014-06-13T05:57:36Z
TS_ONE = 1  # 1970-01-01T00:00:01Z (0 would mean "now" to the SDK)
TS_LEAP = 951782400  # 2000-02-29T00:00:00Z
TS_FAR = 4102444799  # 2099-12-31T23:59:59Z

AK = "5e5a8adf11ae475ba95f1bd38228b44f"
SK = "9c6b2e1f0d3a4b5c8e7f6a5b4c3d2e1f"
BCC = "bcc.bj.baidubce.com"


def _ts_text(epoch):
    return utils.get_canonical_time(epoch).decode("ascii")


def v(
    name,
    *,
    method="GET",
    path="/v2/instance",
    query=(),
    headers=None,
    ak=AK,
    sk=SK,
    timestamp=TS_2024,
    expiration=1800,
    headers_to_sign=None,
    multi_pair_query=False,
    notes=None,
):
    """One vector's inputs. ``headers=None`` means Host + x-bce-date."""
    if headers is None:
        headers = [["Host", BCC], ["x-bce-date", _ts_text(timestamp)]]
    return {
        "name": name,
        "method": method,
        "path": path,
        "query": [[k, val] for k, val in query],
        "headers": [[k, val] for k, val in headers],
        "ak": ak,
        "sk": sk,
        "timestamp_epoch": timestamp,
        "expiration": expiration,
        "headers_to_sign": headers_to_sign,
        "multi_pair_query": multi_pair_query,
        "notes": notes,
    }


def _std(ts=TS_2024, host=BCC, extra=()):
    """Typical Python-SDK request headers (GET: Content-Length 0)."""
    return [
        ["Host", host],
        ["Content-Type", "application/json; charset=utf-8"],
        ["Content-Length", "0"],
        ["x-bce-date", _ts_text(ts)],
    ] + [list(h) for h in extra]


def python_sdk_cases():
    d = _ts_text(TS_2024)
    return [
        # ---------------------------------------------------------------- paths
        v("path_root", path="/"),
        v("path_simple", path="/v2/instance", headers=_std()),
        v("path_unicode", path="/v1/bkt/\u6d4b\u8bd5/\u6587\u4ef6.txt"),
        v("path_emoji_4_byte_utf8", path="/v1/bkt/\U0001f600/x"),
        v("path_plus_equals_ampersand", path="/v1/bkt/a+b=c&d"),
        v("path_star_tilde_space", path="/~user/*x* y"),
        v(
            "path_literal_percent_2f_in_key",
            path="/v1/bkt/key%2Fwith%2Fslash",
            notes="a literal %2F in the decoded key is encoded again to %252F",
        ),
        v("path_trailing_slash", path="/v1/bkt/dir/"),
        v("path_double_slashes", path="/v1//bkt//key//"),
        v("path_reserved_characters", path="/v1/bkt/!$'()*,;:@[]"),
        v("path_question_hash_in_key", path="/v1/bkt/what?is#this"),
        v(
            "path_dot_segments_kept",
            path="/v1/bkt/./a/../b",
            notes="no dot-segment removal on either side",
        ),
        v("path_percent_tab_control", path="/v1/bkt/100%/tab\there\x7f"),
        v("path_unreserved_only", path="/AZaz09-_.~"),
        # ---------------------------------------------------------------- query
        v("query_empty_value", path="/v1/bkt", query=[("acl", "")]),
        v(
            "query_valueless_key",
            path="/v1/bkt",
            query=[("acl", None)],
            notes="null = value-less key (?acl); the SDK signs it as acl=",
        ),
        v(
            "query_keys_differing_only_by_case",
            query=[("b", "1"), ("B", "2"), ("Marker", "x"), ("marker", "y")],
        ),
        v(
            "query_sort_text_text1_text10",
            query=[("text", ""), ("text1", "\u6d4b\u8bd5"), ("text10", "test")],
        ),
        v(
            "query_special_characters_in_values",
            query=[
                ("plus", "a+b"),
                ("star", "*"),
                ("tilde", "~"),
                ("slash", "a/b"),
                ("eq", "x=y"),
                ("amp", "p&q"),
                ("space", "a b"),
                ("pct", "100%"),
                ("uni", "\u5b9e\u4f8b-\u2460"),
            ],
        ),
        v(
            "query_special_characters_in_keys",
            query=[
                ("a+b", "1"),
                ("c*d", "2"),
                ("e~f", "3"),
                ("g/h", "4"),
                ("i=j", "5"),
                ("k&l", "6"),
                ("m n", "7"),
                ("\u952e", "\u503c"),
            ],
        ),
        v(
            "query_many_keys_sort_order",
            query=[
                ("pageSize", "10"),
                ("pageNo", "2"),
                ("maxKeys", "1000"),
                ("marker", ""),
                ("z10", "a"),
                ("z2", "b"),
                ("z1", "c"),
                ("Z", "d"),
                ("_", "e"),
                ("-", "f"),
                (".", "g"),
                ("~", "h"),
                ("0", "i"),
            ],
        ),
        v(
            "query_typical_list_call",
            path="/v2/instance",
            query=[("maxKeys", "1000"), ("marker", ""), ("zoneName", "cn-bj-a")],
            headers=_std(),
        ),
        v(
            "query_repeated_key_multi_pair",
            query=[("k", "2"), ("k", "1"), ("k", ""), ("j", "0")],
            multi_pair_query=True,
            notes="fed to the SDK as a multi-pair object (no SDK client can "
            "produce repeated keys); every pair is encoded and sorted",
        ),
        v("query_empty_key", query=[("", "v"), ("x", "")]),
        # -------------------------------------------------------------- headers
        v(
            "header_mixed_case_names",
            headers=[
                ["HOST", BCC],
                ["X-BCE-DATE", d],
                ["Content-TYPE", "application/json"],
                ["X-Bce-Meta-Owner", "Ops Team"],
            ],
        ),
        v(
            "header_whitespace_trim_inner_kept",
            headers=[
                ["Host", "  " + BCC + " "],
                ["x-bce-date", d],
                ["x-bce-meta-pad", "  a  b  "],
                ["x-bce-meta-tabs", "\ta\t\tb\t"],
                ["Content-Type", " text/plain "],
            ],
        ),
        v(
            "header_empty_values_dropped",
            headers=[
                ["Host", BCC],
                ["x-bce-date", d],
                ["x-bce-meta-empty", ""],
                ["x-bce-meta-blank", "   "],
                ["x-bce-meta-tab", "\t"],
                ["Content-MD5", ""],
                ["Content-Length", "0"],
            ],
        ),
        v(
            "header_content_md5_and_charset_type",
            method="POST",
            path="/v2/instance",
            query=[("clientToken", "be31b98c-5e41-4838-9830-9be700de5a20")],
            headers=[
                ["Host", BCC],
                ["Content-Type", "application/json;charset=utf-8"],
                ["Content-Length", "2"],
                ["Content-MD5", "mZFLkyvTelC5g8XnyQrpOw=="],
                ["x-bce-date", d],
            ],
        ),
        v("header_host_with_port", headers=_std(host="bcc.bj.baidubce.com:8080")),
        v(
            "header_unsigned_in_default_mode",
            headers=_std(
                extra=[
                    ("User-Agent", "bce-sdk-python/0.9.79/3.11.7/Linux"),
                    ("Date", "Fri, 15 Mar 2024 08:26:52 GMT"),
                    ("Accept", "*/*"),
                    ("Accept-Encoding", "gzip, deflate"),
                    ("Connection", "keep-alive"),
                    ("X-Forwarded-For", "10.0.0.1"),
                ]
            ),
        ),
        v(
            "header_x_bce_variety",
            headers=_std(
                extra=[
                    ("x-bce-request-id", "3f6c8f0e-7d52-4a9e-9a44-3b8a1f6c2d10"),
                    (
                        "x-bce-security-token",
                        "ZjkyZmQ2YmQxZTQ3NDcyNjk0ZTg1ZjYyYjlkZjNjODB8AAAAABwCAAB+"
                        "/a==",
                    ),
                    ("x-bce-content-sha256", "e3b0c44298fc1c149afbf4c8996fb924"),
                    ("x-bce-meta-note", "\u503c 1"),
                    ("x-bce-", "bare-prefix"),
                ]
            ),
        ),
        v(
            "header_name_surrounding_whitespace",
            headers=[
                ["Host", BCC],
                [" X-Bce-Meta-Padded ", "v"],
                ["\tx-bce-date", d],
            ],
        ),
        v(
            "header_same_name_case_variants_both_signed",
            headers=[
                ["Host", BCC],
                ["x-bce-date", d],
                ["X-Bce-Meta-Dup", "A"],
                ["x-bce-meta-dup", "b"],
            ],
        ),
        v(
            "header_value_special_characters",
            headers=[
                ["Host", BCC],
                ["x-bce-date", d],
                ["x-bce-meta-x", "a/b:c?d=e&f+g*h~i%j\"k'l"],
                ["x-bce-meta-crlf", "a\r\nb"],
            ],
        ),
        v(
            "header_value_ascii_vt_ff_cr_lf_edges_trimmed",
            headers=[
                ["Host", BCC],
                ["x-bce-date", d],
                ["x-bce-meta-vt", "\x0b\x0cvalue\x0c\x0b"],
                ["x-bce-meta-nl", "\r\n value \n\r"],
            ],
            notes="Python bytes.strip() removes space, \\t, \\n, \\r, \\x0b, \\x0c",
        ),
        v(
            "header_value_unicode_whitespace_edges_kept",
            headers=[
                ["Host", BCC],
                ["x-bce-date", d],
                ["x-bce-meta-nbsp", "\u00a0nbsp\u00a0"],
                ["x-bce-meta-ideographic", "\u3000ideo\u3000"],
                ["x-bce-meta-nel", "\u0085nel\u2028"],
            ],
            notes="bytes.strip() is ASCII-only: U+00A0, U+3000, U+0085, U+2028 "
            "at the edges are NOT trimmed (UTF-8 encoded instead)",
        ),
        # ------------------------------------------------ explicit headers_to_sign
        v(
            "mode_explicit_host_only_quirk_adds_x_bce",
            headers=_std(),
            headers_to_sign=["host"],
            notes="field says host, canonical headers also cover x-bce-date",
        ),
        v(
            "mode_explicit_host_x_bce_date",
            headers=_std(),
            headers_to_sign=["host", "x-bce-date"],
        ),
        v(
            "mode_explicit_unsorted_order_kept_in_field",
            headers=_std(),
            headers_to_sign=["x-bce-date", "host", "content-type"],
        ),
        v(
            "mode_explicit_lists_absent_header",
            headers=_std(),
            headers_to_sign=["host", "content-md5"],
            notes="content-md5 is listed but absent: in the field, not signed",
        ),
        v(
            "mode_explicit_non_default_headers",
            headers=_std(
                extra=[
                    ("User-Agent", "vigil/0.1"),
                    ("Date", "Fri, 15 Mar 2024 08:26:52 GMT"),
                ]
            ),
            headers_to_sign=["host", "user-agent", "date"],
        ),
        v(
            "mode_explicit_empty_list_is_default",
            headers=_std(),
            headers_to_sign=[],
            notes="an empty list behaves exactly like None (field empty)",
        ),
        v(
            "mode_explicit_several_unlisted_x_bce",
            headers=[
                ["Host", BCC],
                ["x-bce-date", d],
                ["x-bce-request-id", "9d2b6c1e-0f4a-4e8b-b0f5-1c2d3e4f5a6b"],
                ["x-bce-security-token", "token+with/chars=="],
                ["x-bce-meta-empty", ""],
                ["Content-Length", "0"],
            ],
            headers_to_sign=["host"],
        ),
        v(
            "mode_explicit_listed_header_with_empty_value",
            headers=[
                ["Host", BCC],
                ["Content-Type", ""],
                ["x-bce-date", d],
            ],
            headers_to_sign=["host", "content-type", "x-bce-date"],
        ),
        v(
            "mode_explicit_cloudflow_style_list",
            headers=[
                ["Host", BCC],
                ["Content-Length", "0"],
                ["x-bce-date", d],
                ["x-bce-meta-empty", ""],
            ],
            headers_to_sign=["content-length", "host", "x-bce-date", "x-bce-meta-empty"],
            notes="like cloudflow/sms clients: every x-bce-* name listed, even "
            "with an empty value (listed in the field, skipped in canonical)",
        ),
        # -------------------------------------------------------------- methods
        v(
            "method_post_with_body_headers",
            method="POST",
            path="/v2/securityGroup",
            query=[("clientToken", "a0ba59e3-2f21-4372-a01e-4eb9db5e180c")],
            headers=[
                ["Host", BCC],
                ["Content-Type", "application/json; charset=utf-8"],
                ["Content-Length", "123"],
                ["x-bce-date", d],
            ],
        ),
        v(
            "method_put_object",
            method="PUT",
            path="/v1/bkt/docs/readme.txt",
            headers=[
                ["Host", "bj.bcebos.com"],
                ["Content-Type", "text/plain"],
                ["Content-Length", "8"],
                ["Content-MD5", "NFzcPqhviddjRNnSOGo4rw=="],
                ["x-bce-date", d],
                ["x-bce-storage-class", "STANDARD_IA"],
            ],
        ),
        v(
            "method_delete",
            method="DELETE",
            path="/v2/instance/i-a1b2c3d4",
            headers=_std(),
        ),
        v(
            "method_head",
            method="HEAD",
            path="/v1/bkt/obj",
            headers=[["Host", "bj.bcebos.com"], ["x-bce-date", d]],
        ),
        # ------------------------------------------------- timestamps / expiry
        v("time_epoch_plus_one_second", timestamp=TS_ONE, expiration=1800),
        v("time_leap_day", timestamp=TS_LEAP, expiration=60),
        v("time_far_future_max_expiration", timestamp=TS_FAR, expiration=129600),
        v("time_2015_one_hour", timestamp=TS_2015, expiration=3600),
        v("time_2014_expiration_zero", timestamp=TS_2014, expiration=0),
        v("time_expiration_one_week", timestamp=TS_2024, expiration=604800),
        # ---------------------------------------------------------- credentials
        v(
            "cred_altak_style_base64_secret",
            ak="ALTAKaiKeDfBD880eMWBE5oIGE",
            sk="7rEM+/x=9ZqLw0b3KQ+mX/n0==",
        ),
        v(
            "cred_unicode_secret_with_spaces",
            ak="0b0f67dfb88244b289b72b142befad0c",
            sk="\u5bc6\u94a5 with spaces/and+symbols==",
        ),
        v("cred_punctuation_ak_empty_secret", ak="AK-_.~123", sk=""),
        # ---------------------------------------------------------------- combos
        v(
            "combo_bos_multipart_unicode_key",
            method="PUT",
            path="/v1/my-bucket/\u76ee\u5f55/part 1+2.bin",
            query=[("partNumber", "9"), ("uploadId", "a44cc9bab11cbd156984767aad637851")],
            headers=[
                ["Host", "bj.bcebos.com:443"],
                ["Content-Length", "5242880"],
                ["Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="],
                ["Content-Type", "application/octet-stream"],
                ["x-bce-date", _ts_text(TS_2015)],
                ["x-bce-meta-origin", "\u4e0a\u6d77"],
                ["User-Agent", "bce-sdk-python"],
            ],
            timestamp=TS_2015,
            headers_to_sign=["host", "content-md5", "content-length"],
        ),
        v(
            "combo_sts_token_list_call",
            path="/v1/user",
            query=[("marker", ""), ("maxItems", "100")],
            headers=[
                ["Host", "iam.bj.baidubce.com"],
                ["Content-Type", "application/json; charset=utf-8"],
                ["Content-Length", "0"],
                ["x-bce-date", d],
                ["x-bce-security-token", "c3RzLXRva2VuLXZhbHVl+/=="],
            ],
            ak="ALTAKsts0example00000000000",
            sk="sts/secret+key==",
            expiration=300,
        ),
    ]


# Published vectors: the inputs and the Authorization strings as published,
# confirmed by running them through the same Python signer.
def published_cases():
    doc_date = "Mon, 27 Apr 2015 16:23:49 +0800"
    cases = []

    c = v(
        "baidu_doc_worked_example",
        method="PUT",
        path="/v1/test/myfolder/readme.txt",
        query=[("partNumber", "9"), ("uploadId", "a44cc9bab11cbd156984767aad637851")],
        headers=[
            ["Host", "bj.bcebos.com"],
            ["Date", doc_date],
            ["Content-Type", "text/plain"],
            ["Content-Length", "8"],
            ["Content-Md5", "NFzcPqhviddjRNnSOGo4rw=="],
            ["x-bce-date", "2015-04-27T08:23:49Z"],
        ],
        ak="a" * 32,
        sk="b" * 32,
        timestamp=TS_2015,
        notes="Baidu's sample page gives the path as /test/myfolder/readme.txt, "
        "which does NOT reproduce the published signature; the request line on "
        "the Authorization-header page uses /v1/test/myfolder/readme.txt, which "
        "does",
    )
    c["published_authorization"] = (
        "bce-auth-v1/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/2015-04-27T08:23:49Z/1800//"
        "d74a04362e6a848f5b39b15421cb449427f419c95a480fd6b8cf9fc783e2999e"
    )
    c["published_in"] = [
        "https://cloud.baidu.com/doc/Reference/s/Gjwvz1xez-en",
        "https://cloud.baidu.com/doc/Reference/s/3jwvz1x2e-en",
        "https://cloud.baidu.com/doc/Reference/s/wjwvz1xt2 (inputs)",
    ]
    cases.append(c)

    legacy_headers = [
        ["Host", "bj.bcebos.com"],
        ["Date", doc_date],
        ["Content-Type", "text/plain"],
        ["Content-Length", "8"],
        ["Content-Md5", "0a52730597fb4ffa01fc117d9e71e3a9"],
        ["x-bce-date", "2015-04-27T08:23:49Z"],
    ]
    legacy = dict(
        method="PUT",
        path="/v1/test/myfolder/readme.txt",
        query=[("partNumber", "9"), ("uploadId", "VXBsb2FkIElpZS5tMnRzIHVwbG9hZA")],
        headers=legacy_headers,
        ak="0b0f67dfb88244b289b72b142befad0c",
        sk="bad522c2126a4618a8125f4b6cf6356f",
        timestamp=TS_2015,
    )
    legacy_sig = "a19e6386e990691aca1114a20357c83713f1cb4be3d74942bb4ed37469ecdacf"
    c = v(
        "legacy_doc_example_default_field",
        notes="Baidu's earlier worked example (same AK/SK/request as the PHP "
        "SDK's sign_sample.php); signingKey "
        "d9f35aaba8a5f3efa654851917114b6f22cd831116fd7d8431e08af22dcff24c",
        **legacy,
    )
    c["published_authorization"] = (
        "bce-auth-v1/0b0f67dfb88244b289b72b142befad0c/2015-04-27T08:23:49Z/1800//"
        + legacy_sig
    )
    c["published_in"] = [
        "github:guoyao/baidubce-sdk-go src/baidubce/core_test.go "
        "(community SDK test)",
        "github:baidubce/bce-sdk-php sign_sample.php (inputs only)",
    ]
    cases.append(c)

    c = v(
        "legacy_doc_example_explicit_field",
        headers_to_sign=["content-length", "content-md5", "content-type", "host", "x-bce-date"],
        **legacy,
    )
    c["published_authorization"] = (
        "bce-auth-v1/0b0f67dfb88244b289b72b142befad0c/2015-04-27T08:23:49Z/1800/"
        "content-length;content-md5;content-type;host;x-bce-date/" + legacy_sig
    )
    c["published_in"] = [
        "github:guoyao/baidubce-sdk-go bce/core_test.go (community SDK test)",
    ]
    cases.append(c)

    c = v(
        "sdk_js_generate_authorization_put",
        method="PUT",
        path="/v1/bucket/object1",
        query=[("A", None), ("b", ""), ("C", "d")],
        headers=[["Host", "bce.baidu.com"], ["abc", "123"], ["x-bce-meta-key1", "ABC"]],
        ak="my_ak",
        sk="my_sk",
        timestamp=TS_2014,
        headers_to_sign=["host", "x-bce-meta-key1"],
    )
    c["published_authorization"] = (
        "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/host;x-bce-meta-key1/"
        "80c9672aca2ea9af4bb40b9a8ff458d72df94e97d550840727f3a929af271d25"
    )
    c["published_in"] = [
        "github:baidubce/bce-sdk-js test/sdk/auth.spec.js",
        "github:ecomfe/baidubce-sdk test/sdk/auth.spec.js",
    ]
    cases.append(c)

    c = v(
        "sdk_js_generate_authorization_delete",
        method="DELETE",
        path="/v1/test-bucket1361199862",
        headers=[
            ["Content-Type", "application/json; charset=utf-8"],
            ["Content-Length", "0"],
            ["User-Agent", "This is the user-agent"],
        ],
        ak="my_ak",
        sk="my_sk",
        timestamp=TS_2014,
        headers_to_sign=["content-length", "content-type"],
    )
    c["published_authorization"] = (
        "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/content-length;content-type/"
        "c9386b15d585960ae5e6972f73ed92a9a682dc81025480ba5b41206d3e489822"
    )
    c["published_in"] = [
        "github:baidubce/bce-sdk-js test/sdk/auth.spec.js",
        "github:ecomfe/baidubce-sdk test/sdk/auth.spec.js",
    ]
    cases.append(c)
    return cases


# --------------------------------------------------------------------------
# Running the SDK
# --------------------------------------------------------------------------


def _fail(case, message):
    sys.exit("vector %r: %s" % (case["name"], message))


def run_case(case):
    names = [h[0] for h in case["headers"]]
    if len(set(names)) != len(names):
        _fail(case, "header names must be unique byte strings (a dict is used)")
    headers = {name.encode("utf-8"): value for name, value in case["headers"]}
    if case["multi_pair_query"]:
        params = _Pairs((k, val) for k, val in case["query"])
    else:
        keys = [k for k, _ in case["query"]]
        if len(set(keys)) != len(keys):
            _fail(case, "repeated query keys need multi_pair_query")
        params = {k: val for k, val in case["query"]}
    hts = case["headers_to_sign"]
    hts_bytes = None if hts is None else [h.encode("ascii") for h in hts]

    _RECORDER.calls.clear()
    auth = bce_v1_signer.sign(
        BceCredentials(case["ak"], case["sk"]),
        case["method"].encode("ascii"),
        utils.normalize_string(case["path"], False),
        headers,
        params,
        case["timestamp_epoch"],
        case["expiration"],
        hts_bytes,
    ).decode("ascii")
    if len(_RECORDER.calls) != 2:
        _fail(case, "expected 2 HMAC computations, saw %d" % len(_RECORDER.calls))
    canonical = _RECORDER.calls[1][1].decode("ascii")

    parts = canonical.split("\n", 3)
    if len(parts) != 4:
        _fail(case, "unexpected canonical request shape")
    effective = []
    for line in parts[3].split("\n") if parts[3] else []:
        name = urllib.parse.unquote(line.split(":", 1)[0])
        if name not in effective:
            effective.append(name)
    effective.sort()

    timestamp = _ts_text(case["timestamp_epoch"])
    fields = auth.split("/")
    prefix = "bce-auth-v1/%s/%s/%d" % (case["ak"], timestamp, case["expiration"])
    if len(fields) != 6 or "/".join(fields[:4]) != prefix:
        _fail(case, "unexpected Authorization shape %r" % auth)

    out = {
        "name": case["name"],
        "source": SOURCE,
        "method": case["method"],
        "path": case["path"],
        "query": case["query"],
        "headers": case["headers"],
        "ak": case["ak"],
        "sk": case["sk"],
        "timestamp": timestamp,
        "timestamp_epoch": case["timestamp_epoch"],
        "expiration": case["expiration"],
        "headers_to_sign": hts,
        "signed_headers_field": fields[4],
        "effective_signed_headers": effective,
        "canonical_uri": parts[1],
        "canonical_request": canonical,
        "authorization": auth,
    }
    if case["multi_pair_query"]:
        out["multi_pair_query"] = True
    if case["notes"]:
        out["notes"] = case["notes"]
    if "published_authorization" in case:
        published = case["published_authorization"]
        if published != auth:
            _fail(
                case,
                "the Python SDK disagrees with the published value\n"
                "  published: %s\n  python:    %s" % (published, auth),
            )
        out["published_authorization"] = published
        out["published_in"] = case["published_in"]
        out["python_sdk_agrees"] = True
    return out


def build(which):
    cases = published_cases() if which == "published" else python_sdk_cases()
    names = [c["name"] for c in cases]
    if len(set(names)) != len(names):
        sys.exit("duplicate vector names")
    return {
        "format_version": FORMAT_VERSION,
        "generator": "xtask/sdk/gen_vectors.py",
        "sdk": "%s==%s" % (SDK_DIST, SDK_VERSION),
        "set": which,
        "vectors": [run_case(c) for c in cases],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        choices=["python_sdk", "published"],
        default="python_sdk",
        help="which vector file to produce (default: python_sdk)",
    )
    parser.add_argument("output", nargs="?", help="write here instead of stdout")
    args = parser.parse_args(argv)

    installed = metadata.version(SDK_DIST)
    if installed != SDK_VERSION:
        sys.exit("%s %s is installed; the vectors are pinned to %s" % (SDK_DIST, installed, SDK_VERSION))

    text = json.dumps(build(args.set), sort_keys=True, indent=2, ensure_ascii=True) + "\n"
    if args.output:
        with open(args.output, "w", encoding="ascii", newline="\n") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
