import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'

// The mini-app's pages. Built by scripts/run.sh and scripts/test.sh (npm ci + vite build) into dist/, which the
// mini-app host serves: hashed files under /assets/ (cached for a year), index.html never cached.
// Vant's icon font names a CDN copy after its inlined one; the pages load nothing from elsewhere (CSP), so drop it.
const noRemoteIconFont = {
  name: 'no-remote-icon-font',
  transform(code, id) {
    if (!id.includes('vant') || !id.endsWith('.css')) return null
    return code.replace(/,\s*url\((https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\("woff"\)/g, '')
  },
}

export default defineConfig({
  plugins: [
    noRemoteIconFont,
    vue(),
    // Vant components (and their CSS) are imported where a page uses them, so each page loads only its own.
    Components({ resolvers: [VantResolver()], dts: false }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline scripts (the host's Content-Security-Policy allows none), no inlined assets.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5080' } },
})
