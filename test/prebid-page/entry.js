// The publisher page's script, bundled with esbuild by test/prebid-js.e2e.test.ts: Prebid.js from npm with its
// Prebid Server adapter (pointed at the exchange), and vast-client as the page's video player would use it.
import pbjs from 'prebid.js';
import 'prebid.js/modules/prebidServerBidAdapter';
import { VASTClient, VASTTracker } from 'vast-client';

window.VASTClient = VASTClient;
window.VASTTracker = VASTTracker;
pbjs.processQueue();
