use super::*;

fn site(purge: &str) -> Site {
    let text = format!(
        "[sites.s]\npublic_url = \"https://blog.example.com\"\n[sites.s.secret]\nenv = \"X\"\n[sites.s.purge]\n{purge}\n\
         [[sites.s.routes]]\npath = \"/a\"\ntags = [\"t\"]\n[[sites.s.routes]]\npath = \"/b\"\ntags = [\"t\"]\n"
    );
    let config = crate::model::config::parse(&text, std::path::Path::new("t.toml")).unwrap();
    config.sites[0].clone()
}

fn shown(site: &Site, items: &[PurgeItem]) -> Result<Vec<String>, String> {
    let config = site.purge.clone().unwrap();
    calls(site, &config, items, "***")
        .map(|c| c.iter().map(PurgeCall::summary).collect())
        .map_err(|t| t.to_string())
}

#[test]
fn varnish_purges_each_url_on_each_node_with_the_public_host() {
    let s = site(
        "provider = \"varnish\"\nnodes = [\"http://10.0.0.7:6081\", \"http://10.0.0.8:6081\"]",
    );
    assert_eq!(
        shown(&s, &[PurgeItem::Tag("t".into())]).unwrap(),
        [
            "PURGE http://10.0.0.7:6081/a (Host: blog.example.com)",
            "PURGE http://10.0.0.7:6081/b (Host: blog.example.com)",
            "PURGE http://10.0.0.8:6081/a (Host: blog.example.com)",
            "PURGE http://10.0.0.8:6081/b (Host: blog.example.com)",
        ]
    );
    let refused = shown(&s, &[PurgeItem::Prefix("/blog/".into())]).unwrap_err();
    assert!(refused.contains("method = \"BAN\""), "{refused}");
}

#[test]
fn varnish_ban_takes_anchored_regexes() {
    let s = site("provider = \"varnish\"\nmethod = \"BAN\"");
    assert_eq!(
        shown(&s, &[PurgeItem::Path("/a.b".into()), PurgeItem::Everything]).unwrap(),
        [
            "BAN https://blog.example.com/ (Host: blog.example.com, X-Ban-Url: ^/a\\.b(\\?.*)?$)",
            "BAN https://blog.example.com/ (Host: blog.example.com, X-Ban-Url: .)",
        ]
    );
}

#[test]
fn cloudflare_paths_as_prefixes_cover_every_variant() {
    let s = site(
        "provider = \"cloudflare\"\nzone_id = \"z\"\nmode = \"prefixes\"\n[sites.s.purge.token]\nenv = \"T\"",
    );
    let calls = shown(&s, &[PurgeItem::Path("/a".into())]).unwrap();
    assert_eq!(
        calls,
        [
            r#"POST https://api.cloudflare.com/client/v4/zones/z/purge_cache (Authorization: Bearer ***) {"prefixes":["blog.example.com/a"]}"#
        ]
    );
}
