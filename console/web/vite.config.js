import { defineConfig } from "vite";

// The console is served at / by the local runtime (local/api_gateway.py) and by CloudFront on AWS;
// the API it calls is the /console route family on the same origin.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { "/console": "http://127.0.0.1:8080" } },
});
