/** The organisations of `sample_data/organizations.csv` that the demo lets you switch between. */
export interface DemoOrg {
  id: string;
  name: string;
  plan: string;
}

export const DEMO_ORGS: readonly DemoOrg[] = [
  { id: 'org_acme', name: 'Acme Corporation', plan: 'enterprise' },
  { id: 'org_globex', name: 'Globex', plan: 'pro' },
  { id: 'org_hooli', name: 'Hooli', plan: 'pro' },
  { id: 'org_umbrella', name: 'Umbrella Labs', plan: 'starter' },
  { id: 'org_initech', name: 'Initech', plan: 'free' },
  { id: 'org_soylent', name: 'Soylent Société', plan: 'free' },
];

export const isDemoOrg = (id: string | null | undefined): id is string =>
  DEMO_ORGS.some((org) => org.id === id);
