import type { Metadata, Viewport } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "liqfade", template: "%s · liqfade" },
  description: "Operations dashboard of the liqfade bot",
  robots: { index: false, follow: false },
};

// Every page renders per request: its scripts carry that request's CSP nonce (middleware.ts).
export const dynamic = "force-dynamic";

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#1b1f24" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
