vcl 4.1;

# The purge shapes of the Varnish documentation's examples (Users Guide,
# "Purging and banning"), written for this testbed, in front of origin
# instance 1 like testbed.vcl:
# - PURGE behind an ACL that does not list this machine: the answer is the
#   documentation's `synth(405, "Not allowed.")`;
# - BAN on the BAN request's own req.url: a BAN sent to "/" with the page
#   in a header bans "/" and nothing else, and still answers 200.
# isrctl must call the first `unauthorized` and the second `not_purged`.

backend origin1 {
    .host = "127.0.0.1";
    .port = "3101";
}

acl purge {
    "192.0.2.1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (!client.ip ~ purge) {
            return (synth(405, "Not allowed."));
        }
        return (purge);
    }
    if (req.method == "BAN") {
        ban("req.http.host == " + req.http.host + " && req.url == " + req.url);
        return (synth(200, "Ban added"));
    }
    if (req.url ~ "^/api/") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    if (bereq.url !~ "^/api/" && beresp.status == 200 && beresp.http.Content-Type ~ "^text/html") {
        set beresp.ttl = 1h;
        set beresp.grace = 0s;
        set beresp.uncacheable = false;
        unset beresp.http.Set-Cookie;
        return (deliver);
    }
    set beresp.ttl = 0s;
    set beresp.uncacheable = true;
    return (deliver);
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
