//! Akamai's published EdgeGrid test vectors (`testdata.json` of
//! github.com/akamai/AkamaiOPEN-edgegrid-python, the same file the other
//! EdgeGrid libraries test against): their credentials, timestamp, nonce,
//! `max_body` 2048 and headers to sign, and the `Authorization` each
//! request must get.

use super::*;

const HOST: &str = "https://akaa-baseurl-xxxxxxxxxxx-xxxxxxxxxxxxx.luna.akamaiapis.net";
const TIMESTAMP: &str = "20140321T19:34:21+0000";
const NONCE: &str = "nonce-xx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
const TO_SIGN: [&str; 3] = ["X-Test1", "X-Test2", "X-Test3"];
const PREFIX: &str = "EG1-HMAC-SHA256 client_token=akab-client-token-xxx-xxxxxxxxxxxxxxxx;access_token=akab-access-token-xxx-xxxxxxxxxxxxxxxx;timestamp=20140321T19:34:21+0000;nonce=nonce-xx-xxxx-xxxx-xxxx-xxxxxxxxxxxx;signature=";

fn credentials() -> EdgeGridCredentials {
    EdgeGridCredentials {
        host: None,
        client_token: Secret::new("akab-client-token-xxx-xxxxxxxxxxxxxxxx", "test"),
        client_secret: Secret::new("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=", "test"),
        access_token: Secret::new("akab-access-token-xxx-xxxxxxxxxxxxxxxx", "test"),
        max_body: 2048,
    }
}

fn signature(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let url = url::Url::parse(&format!("{HOST}{path}")).unwrap();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let request = Signable {
        method,
        url: &url,
        headers: &headers,
        body: body.as_bytes(),
    };
    let header = authorization(&request, &credentials(), (TIMESTAMP, NONCE), &TO_SIGN);
    header
        .strip_prefix(PREFIX)
        .unwrap_or_else(|| panic!("{header}"))
        .to_string()
}

#[test]
fn the_signing_key_is_the_published_one() {
    let key = base64_mac(
        credentials().client_secret.expose().as_bytes(),
        TIMESTAMP.as_bytes(),
    );
    assert_eq!(key, "znsRMDBRqTXGJ7Ojip3/h2FGPu3LuoMYWgv9PKEnE/o=");
}

#[test]
fn gets_and_posts_are_signed_as_published() {
    let cases = [
        (
            "GET",
            "/",
            "",
            "tL+y4hxyHxgWVD30X3pWnGKHcPzmrIF+LThiAOhMxYU=",
        ),
        (
            "GET",
            "/testapi/v1/t1?p1=1&p2=2",
            "",
            "hKDH1UlnQySSHjvIcZpDMbQHihTQ0XyVAKZaApabdeA=",
        ),
        (
            "POST",
            "/testapi/v1/t3",
            "datadatadatadatadatadatadatadata",
            "hXm4iCxtpN22m4cbZb4lVLW5rhX8Ca82vCFqXzSTPe4=",
        ),
        (
            "POST",
            "/testapi/v1/t6",
            "",
            "1gEDxeQGD5GovIkJJGcBaKnZ+VaPtrc4qBUHixjsPCQ=",
        ),
        (
            "PUT",
            "/testapi/v1/t6",
            "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP",
            "GNBWEYSEWOLtu+7dD52da2C39aX/Jchpon3K/AmBqBU=",
        ),
    ];
    for (method, path, body, expected) in cases {
        assert_eq!(
            signature(method, path, &[], body),
            expected,
            "{method} {path}"
        );
    }
}

#[test]
fn a_body_past_max_body_is_hashed_up_to_it() {
    let published = "6Q6PiTipLae6n4GsSIDTCJ54bEbHUBp+4MUXrbQCBoY=";
    let exact = "d".repeat(2048);
    let longer = "d".repeat(3000);
    assert_eq!(signature("POST", "/testapi/v1/t3", &[], &exact), published);
    assert_eq!(signature("POST", "/testapi/v1/t3", &[], &longer), published);
}

/// A path, the headers sent, and the published signature.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn signed_headers_are_canonical_in_the_order_named() {
    let cases: [Case; 5] = [
        (
            "/testapi/v1/t4",
            &[("X-Test1", "test-simple-header")],
            "8F9AybcRw+PLxnvT+H0JRkjROrrUgsxJTnRXMzqvcwY=",
        ),
        (
            "/testapi/v1/t4",
            &[("X-Test1", "\"     test-header-with-spaces     \"")],
            "ucq2AbjCNtobHfCTuS38fdkl5UDdWHZhQX46fYR8CqI=",
        ),
        (
            "/testapi/v1/t4",
            &[("X-Test1", "     first-thing      second-thing")],
            "WtnneL539UadAAOJwnsXvPqT4Kt6z7HMgBEwAFpt3+c=",
        ),
        (
            "/testapi/v1/t4",
            &[("X-Test2", "t2"), ("X-Test1", "t1"), ("X-Test3", "t3")],
            "Wus73Nx8jOYM+kkBFF2q8D1EATRIMr0WLWwpLBgkBqY=",
        ),
        (
            "/testapi/v1/t5",
            &[
                ("X-Test2", "t2"),
                ("X-Test1", "t1"),
                ("X-Test3", "t3"),
                ("X-Extra", "this won't be included"),
            ],
            "Knd/jc0A5Ghhizjayr0AUUvl2MZjBpS3FDSzvtq4Ixc=",
        ),
    ];
    for (path, headers, expected) in cases {
        assert_eq!(signature("GET", path, headers, ""), expected, "{headers:?}");
    }
}

#[test]
fn an_edgerc_section_is_read_as_akamais_clis_read_it() {
    let text = "; a comment\n[default]\nclient_secret = AAA=\nhost = akab-h.luna.akamaiapis.net\n\n[purge]\nclient_secret = SSS=\nhost = akab-p.luna.akamaiapis.net\naccess_token = akab-at\nclient_token = akab-ct\nmax-body = 4096\n";
    let pairs = edgerc_section(text, "purge").unwrap();
    assert!(pairs.contains(&("client_secret".into(), "SSS=".into())));
    assert!(pairs.contains(&("max-body".into(), "4096".into())));
    assert_eq!(edgerc_section(text, "other"), None);
    assert_eq!(
        timestamp("2014-03-21T19:34:21Z".parse().unwrap()),
        TIMESTAMP
    );
    assert_ne!(nonce(), nonce(), "each request its own nonce");
}
