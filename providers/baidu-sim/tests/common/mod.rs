//! Test helpers: start a simulator on loopback and send signed requests with reqwest.
#![allow(dead_code)]

use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use serde_json::Value;
use vigil_baidu_auth::{format_timestamp, sign, uri_encode, HeaderSelection, RequestToSign};
use vigil_baidu_sim::{SimHandle, Simulator, World};
use vigil_core::Secret;

pub const LOOPBACK: &str = "127.0.0.1:0";

pub async fn start(world: World) -> SimHandle {
    Simulator::start(world, LOOPBACK.parse().unwrap())
        .await
        .expect("simulator starts")
}

pub async fn start_default() -> SimHandle {
    start(World::default_world()).await
}

/// How to authenticate a call.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Sign with this key.
    Key(&'static str, &'static str),
    /// Sign with owned strings.
    Owned(String, String),
    /// Send this Authorization value verbatim.
    Raw(String),
    /// Send no Authorization header.
    None,
}

/// One request to make.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: &'static str,
    pub host: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub auth: Auth,
    pub selection: HeaderSelection,
    pub timestamp: DateTime<Utc>,
    pub expiration: u32,
    pub body: Option<String>,
    /// Append `:port` of the simulator to the Host header.
    pub host_with_port: bool,
}

impl Call {
    pub fn get(host: &str, path: &str, key: (&'static str, &'static str)) -> Self {
        Call {
            method: "GET",
            host: host.to_string(),
            path: path.to_string(),
            query: Vec::new(),
            auth: Auth::Key(key.0, key.1),
            selection: HeaderSelection::from_field("host;x-bce-date"),
            timestamp: Utc::now(),
            expiration: 1800,
            body: None,
            host_with_port: false,
        }
    }

    pub fn post(host: &str, path: &str, key: (&'static str, &'static str), body: &str) -> Self {
        let mut c = Call::get(host, path, key);
        c.method = "POST";
        c.body = Some(body.to_string());
        c.selection = HeaderSelection::from_field("content-type;host;x-bce-date");
        c
    }

    pub fn query(mut self, k: &str, v: &str) -> Self {
        self.query.push((k.to_string(), v.to_string()));
        self
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn default_headers(mut self) -> Self {
        self.selection = HeaderSelection::Default;
        self
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub request_id: Option<String>,
    pub content_type: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// Assert a BCE error: status, code, and the three body fields (request id equal to the
    /// header).
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{:#}", self.body);
        assert_eq!(self.code(), code, "{:#}", self.body);
        let rid = self.request_id.as_deref().expect("x-bce-request-id header");
        assert_eq!(self.body["requestId"].as_str(), Some(rid));
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json; charset=utf-8")
        );
    }

    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "{:#}", self.body);
        assert!(self.request_id.is_some());
        self.body
    }
}

pub async fn send(sim: &SimHandle, call: &Call) -> Reply {
    send_to(sim.addr(), call).await
}

pub async fn send_to(addr: SocketAddr, call: &Call) -> Reply {
    let host = if call.host_with_port {
        format!("{}:{}", call.host, addr.port())
    } else {
        call.host.clone()
    };
    let date = format_timestamp(call.timestamp);
    let mut headers: Vec<(String, String)> =
        vec![("host".into(), host.clone()), ("x-bce-date".into(), date)];
    if let Some(body) = &call.body {
        headers.push((
            "content-type".into(),
            "application/json;charset=utf-8".into(),
        ));
        headers.push(("content-length".into(), body.len().to_string()));
    }
    let authorization = match &call.auth {
        Auth::Key(ak, sk) => Some(sign_call(call, &headers, ak, sk)),
        Auth::Owned(ak, sk) => Some(sign_call(call, &headers, ak, sk)),
        Auth::Raw(v) => Some(v.clone()),
        Auth::None => None,
    };
    let wire_query: Vec<String> = call
        .query
        .iter()
        .map(|(k, v)| format!("{}={}", uri_encode(k), uri_encode(v)))
        .collect();
    let mut url = format!("http://{addr}{}", call.path);
    if !wire_query.is_empty() {
        url.push('?');
        url.push_str(&wire_query.join("&"));
    }
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).unwrap();
    let mut req = client.request(method, url);
    for (k, v) in &headers {
        if k != "content-length" {
            req = req.header(k.as_str(), v.as_str());
        }
    }
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    if let Some(body) = &call.body {
        req = req.body(body.clone());
    }
    let resp = req.send().await.expect("request reaches the simulator");
    let status = resp.status().as_u16();
    let request_id = resp
        .headers()
        .get("x-bce-request-id")
        .map(|v| v.to_str().unwrap().to_string());
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        request_id,
        content_type,
        headers,
        body,
    }
}

fn sign_call(call: &Call, headers: &[(String, String)], ak: &str, sk: &str) -> String {
    let req = RequestToSign {
        method: call.method,
        path: &call.path,
        query: &call.query,
        headers,
    };
    sign(
        &req,
        ak,
        &Secret::new(sk),
        call.timestamp,
        call.expiration,
        &call.selection,
    )
}

/// Every page of a marker-paginated list, following `nextMarker`.
pub async fn all_pages(
    sim: &SimHandle,
    base: &Call,
    list_key: &str,
    page: Option<&str>,
) -> (Vec<String>, Vec<Value>) {
    let mut ids = Vec::new();
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..10_000 {
        let mut call = base.clone();
        if let Some(p) = page {
            call = call.query("maxKeys", p);
        }
        if let Some(m) = &marker {
            call = call.query("marker", m);
        }
        let body = send(sim, &call).await.ok();
        for item in body[list_key].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_string());
        }
        let truncated = body["isTruncated"].as_bool().unwrap();
        marker = body
            .get("nextMarker")
            .and_then(Value::as_str)
            .map(str::to_string);
        assert_eq!(
            truncated,
            marker.is_some(),
            "nextMarker present iff truncated: {body:#}"
        );
        pages.push(body);
        if !truncated {
            return (ids, pages);
        }
    }
    panic!("pagination did not end");
}
