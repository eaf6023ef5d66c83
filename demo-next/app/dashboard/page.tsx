import { DEMO_ORGS, isDemoOrg } from '../../lib/orgs';
import { Dashboard } from './dashboard';

// The API's address is read per request, so one build serves any deployment.
export const dynamic = 'force-dynamic';

export default async function DashboardPage({ searchParams }: { searchParams: Promise<{ org?: string }> }) {
  const { org } = await searchParams;
  const apiUrl = process.env.ANALYTICS_API_URL ?? 'http://localhost:8787';
  return <Dashboard apiUrl={apiUrl} orgs={DEMO_ORGS} initialOrg={isDemoOrg(org) ? org : DEMO_ORGS[0]!.id} />;
}
