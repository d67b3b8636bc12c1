//! A minimal browser for driving the login and consent pages over real HTTP: a cookie jar,
//! no automatic redirects, and form parsing.

#![allow(dead_code)]

use std::collections::BTreeMap;

/// One `<form>`'s inputs as the page rendered them.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The value of the first input named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets (or adds) a field.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A cookie-keeping HTTP client.
pub struct Browser {
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

/// A response, read once.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The `Location` header.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The inputs of the page's (single) POST form, submit buttons excluded.
    pub fn form(&self) -> Form {
        let mut fields = Vec::new();
        for tag in tags(&self.body, "<input") {
            let (Some(name), value) = (attr(tag, "name"), attr(tag, "value")) else {
                continue;
            };
            fields.push((name, value.unwrap_or_default()));
        }
        Form { fields }
    }

    /// Query parameters of the `Location` redirect.
    pub fn redirect_params(&self) -> BTreeMap<String, String> {
        let loc = self.location().expect("a redirect");
        let query = loc.split_once('?').map(|(_, q)| q).unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .unwrap()
            .into_iter()
            .collect()
    }
}

fn tags<'a>(html: &'a str, open: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        let after = &rest[i..];
        let end = after.find('>').unwrap_or(after.len());
        out.push(&after[..end]);
        rest = &after[end..];
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!("{name}=\"");
    let mut search = tag;
    loop {
        let i = search.find(&pat)?;
        let ok = i == 0 || search.as_bytes()[i - 1].is_ascii_whitespace();
        let rest = &search[i + pat.len()..];
        if ok {
            let end = rest.find('"')?;
            return Some(unescape(&rest[..end]));
        }
        search = rest;
    }
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    /// A browser behind a trusted proxy that reports it as `address` (`X-Forwarded-For`).
    #[allow(dead_code)]
    pub fn from_address(address: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", address.parse().unwrap());
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(headers)
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, res: reqwest::Response) -> Page {
        for sc in res.headers().get_all("set-cookie") {
            let sc = sc.to_str().unwrap();
            let first = sc.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            if v.is_empty() || sc.to_ascii_lowercase().contains("max-age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let res = self
            .http
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    pub async fn post(&mut self, url: &str, form: &Form) -> Page {
        let res = self
            .http
            .post(url)
            .header("cookie", self.cookie_header())
            .form(&form.fields)
            .send()
            .await
            .unwrap();
        self.read(res).await
    }
}
