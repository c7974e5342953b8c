vcl 4.1;

# Invalidation as FOSHttpCache's VCL does it (written for this testbed, in
# front of origin instance 1), with varnish-modules' xkey beside it:
# - BAN: a regex on the object's own X-Host, X-Url and Content-Type headers,
#   given in the X-Host, X-Url and X-Content-Type request headers. A BAN
#   without them makes ban() fail inside the VCL: still a 200, nothing
#   banned (what isrctl's read-back must catch).
# - PURGE with `xkey-purge: <tags>` (or `xkey-softpurge`): every object whose
#   `xkey` response header names a tag, as the xkey documentation's VCL;
#   a PURGE without them purges the URL.
# Purges from outside the ACL get FOSHttpCache's `405 Not allowed`.

import xkey;

backend origin1 {
    .host = "127.0.0.1";
    .port = "3101";
}

acl invalidators {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE" || req.method == "BAN") {
        if (!client.ip ~ invalidators) {
            return (synth(405, "Not allowed"));
        }
    }
    if (req.method == "PURGE") {
        if (req.http.xkey-softpurge) {
            set req.http.n-gone = xkey.softpurge(req.http.xkey-softpurge);
            return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
        }
        return (purge);
    }
    if (req.method == "BAN") {
        ban("obj.http.X-Host ~ " + req.http.X-Host
            + " && obj.http.X-Url ~ " + req.http.X-Url
            + " && obj.http.Content-Type ~ " + req.http.X-Content-Type);
        return (synth(200, "Banned"));
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
    # Lurker-friendly: bans test the object's own copy of its URL and Host.
    set beresp.http.X-Url = bereq.url;
    set beresp.http.X-Host = bereq.http.host;
    if (bereq.url !~ "^/api/" && beresp.status == 200 && beresp.http.Content-Type ~ "^(text/html|text/x-component)") {
        set beresp.ttl = 1h;
        # Grace, as sites keep it: after xkey.softpurge() a copy is served
        # stale once more while Varnish fetches the new one behind it.
        set beresp.grace = 1m;
        set beresp.uncacheable = false;
        unset beresp.http.Set-Cookie;
        return (deliver);
    }
    set beresp.ttl = 0s;
    set beresp.uncacheable = true;
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.X-Url;
    unset resp.http.X-Host;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
