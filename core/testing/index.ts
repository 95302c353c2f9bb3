/**
 * The framework's test kit (`rtb-exchange/testing`): what a plugin's tests need beside the public API. A real
 * exchange on a loopback port with its log in memory, a mock bidder (a real HTTP server speaking the built-in
 * dialects), a plugin or a bidder's strategies resolved as the exchange resolves them, and stage contexts for
 * calling a hook directly. Nothing here mocks the framework itself.
 */
export { startTestExchange, type TestExchange } from './test-exchange.js';
export { LogCapture, type LogLine } from './log-capture.js';
export { startMockBidder, type MockBidder, type MockBidderOptions, type MockAnswer, type MockAdxAd, type ReceivedRequest } from './mock-bidder.js';
export { pluginFor, bidderFor, testTrackerUrls, decodedBids, type TestBidder } from './resolve.js';
export { auctionContextFor, bidderContextFor, rewriteContextFor, hookCallFor, validBid, outcomeRows } from './stage-contexts.js';
export { readDialectCases, playDialectCase, type DialectCase, type PlayedCase } from './dialect-cases.js';
