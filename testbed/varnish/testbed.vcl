# Varnish in front of origin instance 1 of the testbed, standing in for a
# CDN that keeps HTML longer than Next.js wants: every page is kept for an
# hour whatever the origin's Cache-Control says, so after a revalidation the
# origin is fresh while this layer still serves the old copy. RSC payloads
# are kept the same way, as their own copies.
vcl 4.1;

backend origin1 {
    .host = "127.0.0.1";
    .port = "3101";
}

# Purges are accepted from loopback only (isrctl's `purge` and `fresh`).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # Drops the copy hashed from this URL and Host (all its variants).
        return (purge);
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.X-Ban-Url) {
            return (synth(400, "BAN needs X-Ban-Url: REGEX"));
        }
        ban("req.http.host == " + req.http.host + " && req.url ~ " + req.http.X-Ban-Url);
        return (synth(200, "Banned"));
    }
    # The revalidation endpoints (and any other API route) go straight
    # through: never cached, never coalesced.
    if (req.url ~ "^/api/") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # A CDN configured for static HTML: cookies play no part.
    unset req.http.Cookie;
    return (hash);
}

# Keyed on the RSC header too, as a CDN that honours Next.js's
# `Vary: rsc, …` is: a page's RSC payload (what a client-side navigation
# fetches, `RSC: 1` and `?_rsc=…`) is a copy of its own, apart from the
# HTML, and a PURGE of the page's URL leaves it be.
sub vcl_hash {
    hash_data(req.http.RSC);
}

sub vcl_backend_response {
    if (bereq.url !~ "^/api/" && beresp.status == 200 && beresp.http.Content-Type ~ "^(text/html|text/x-component)") {
        # One hour, regardless of s-maxage / stale-while-revalidate / private.
        set beresp.ttl = 1h;
        set beresp.grace = 0s;
        set beresp.uncacheable = false;
        unset beresp.http.Set-Cookie;
        return (deliver);
    }
    # Everything else (404s, redirects, assets) is not kept.
    set beresp.ttl = 0s;
    set beresp.uncacheable = true;
    return (deliver);
}

sub vcl_deliver {
    # Varnish sets Age itself; X-Cache says whether this copy came from cache.
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
