vcl 4.1;

# The lurker-friendly BAN of the Varnish documentation ("Smart bans"),
# written for this testbed in front of origin instance 1: the ban tests the
# object's own x-url and x-host headers (so the ban lurker can apply it),
# given as regexes in X-Ban-Url and X-Ban-Host.

backend origin1 {
    .host = "127.0.0.1";
    .port = "3101";
}

acl purge {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "BAN") {
        if (!client.ip ~ purge) {
            return (synth(405, "Not allowed."));
        }
        ban("obj.http.x-url ~ " + req.http.x-ban-url + " && obj.http.x-host ~ " + req.http.x-ban-host);
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
    set beresp.http.x-url = bereq.url;
    set beresp.http.x-host = bereq.http.host;
    if (bereq.url !~ "^/api/" && beresp.status == 200 && beresp.http.Content-Type ~ "^(text/html|text/x-component)") {
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
    unset resp.http.x-url;
    unset resp.http.x-host;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
