// Size budget entry: an app that imports only the client and tracks.
import { AnalyticsClient } from '../dist/index.js';

new AnalyticsClient({ baseUrl: 'https://analytics.example.com', apiKey: 'key' }).trackEvent({
  event_type: 'signup',
});
