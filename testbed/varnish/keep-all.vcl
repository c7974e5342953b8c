# Varnish before instance 1 with the VCL many static-site setups write:
# keep every answer to a GET an hour, whatever its status, honouring Vary
# (Varnish does by default). Next.js 16's 307 to `?_rsc=…` carries no Vary
# and no Cache-Control: an RSC read of a page's bare URL leaves that
# redirect here as an object that matches every request for the URL, so
# the next visitor gets a 307 (issue 27, item 1; tests/e2e/observe.rs
# shows it, and that isrctl's reads leave nothing of the kind). Varnish's
# built-in rules alone would not keep it (a 307 needs explicit freshness).
# No purge rules: tests use pages of their own (unique shop slugs).
vcl 4.1;

backend origin1 {
    .host = "127.0.0.1";
    .port = "3101";
}

sub vcl_recv {
    if (req.url ~ "^/api/") {
        return (pass);
    }
}

sub vcl_backend_response {
    if (bereq.url !~ "^/api/") {
        set beresp.ttl = 1h;
        set beresp.grace = 0s;
        set beresp.uncacheable = false;
        unset beresp.http.Set-Cookie;
        return (deliver);
    }
}
