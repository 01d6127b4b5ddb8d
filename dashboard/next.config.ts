import type { NextConfig } from "next";

const config: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  reactStrictMode: true,
  // Server-sent events must reach the browser unbuffered; gzip would hold them back.
  compress: false,
  // Middleware redirects must be absolute (a relative Location fails there). Next would rewrite their
  // 127.0.0.1 to "localhost", another host as far as cookies go: keep the URL middleware.ts builds.
  skipMiddlewareUrlNormalize: true,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default config;
