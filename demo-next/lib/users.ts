/**
 * The users of `sample_data/users.csv` and their organisations and roles (`user_orgs.csv`): who may sign in
 * to the demo, and which organisations' dashboards each may open.
 */
export type DemoRole = 'admin' | 'member' | 'viewer';

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  orgs: readonly { id: string; role: DemoRole }[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: 'usr_001',
    name: 'Ada Okafor',
    email: 'ada.okafor@acme.example',
    orgs: [{ id: 'org_acme', role: 'admin' }],
  },
  {
    id: 'usr_002',
    name: 'Bruno Díaz',
    email: 'bruno.diaz@acme.example',
    orgs: [{ id: 'org_acme', role: 'member' }],
  },
  {
    id: 'usr_003',
    name: 'Chen Wei',
    email: 'chen.wei@acme.example',
    orgs: [
      { id: 'org_acme', role: 'member' },
      { id: 'org_globex', role: 'viewer' },
    ],
  },
  {
    id: 'usr_004',
    name: 'Dagny Ødegård',
    email: 'dagny.odegard@acme.example',
    orgs: [{ id: 'org_acme', role: 'member' }],
  },
  {
    id: 'usr_005',
    name: 'Emeka Nwosu',
    email: 'emeka.nwosu@acme.example',
    orgs: [{ id: 'org_acme', role: 'viewer' }],
  },
  {
    id: 'usr_006',
    name: 'François Lefèvre',
    email: 'francois.lefevre@acme.example',
    orgs: [
      { id: 'org_acme', role: 'member' },
      { id: 'org_hooli', role: 'member' },
    ],
  },
  {
    id: 'usr_007',
    name: 'Grace Kim',
    email: 'grace.kim@acme.example',
    orgs: [{ id: 'org_acme', role: 'admin' }],
  },
  {
    id: 'usr_008',
    name: 'Hiro Tanaka',
    email: 'hiro.tanaka@acme.example',
    orgs: [{ id: 'org_acme', role: 'member' }],
  },
  {
    id: 'usr_009',
    name: 'Ingrid Larsen',
    email: 'ingrid.larsen@globex.example',
    orgs: [{ id: 'org_globex', role: 'admin' }],
  },
  {
    id: 'usr_010',
    name: 'José Álvarez',
    email: 'jose.alvarez@globex.example',
    orgs: [{ id: 'org_globex', role: 'member' }],
  },
  {
    id: 'usr_011',
    name: 'Kavya Iyer',
    email: 'kavya.iyer@globex.example',
    orgs: [
      { id: 'org_globex', role: 'member' },
      { id: 'org_umbrella', role: 'member' },
    ],
  },
  {
    id: 'usr_012',
    name: 'Liam Murphy',
    email: 'liam.murphy@globex.example',
    orgs: [{ id: 'org_globex', role: 'viewer' }],
  },
  {
    id: 'usr_013',
    name: 'Mei Lin',
    email: 'mei.lin@globex.example',
    orgs: [{ id: 'org_globex', role: 'member' }],
  },
  {
    id: 'usr_014',
    name: 'Nadia Rahman',
    email: 'nadia.rahman@hooli.example',
    orgs: [{ id: 'org_hooli', role: 'admin' }],
  },
  {
    id: 'usr_015',
    name: 'Oskar Nowak',
    email: 'oskar.nowak@hooli.example',
    orgs: [{ id: 'org_hooli', role: 'member' }],
  },
  {
    id: 'usr_016',
    name: 'Priya Patel',
    email: 'priya.patel@hooli.example',
    orgs: [
      { id: 'org_hooli', role: 'member' },
      { id: 'org_initech', role: 'member' },
    ],
  },
  {
    id: 'usr_017',
    name: 'Quentin Dupont',
    email: 'quentin.dupont@hooli.example',
    orgs: [{ id: 'org_hooli', role: 'viewer' }],
  },
  {
    id: 'usr_018',
    name: 'Rosa Martínez',
    email: 'rosa.martinez@umbrella.example',
    orgs: [{ id: 'org_umbrella', role: 'admin' }],
  },
  {
    id: 'usr_019',
    name: 'Søren Kierkegaard',
    email: 'soren.k@umbrella.example',
    orgs: [{ id: 'org_umbrella', role: 'member' }],
  },
  {
    id: 'usr_020',
    name: 'Tomás Ruiz',
    email: 'tomas.ruiz@umbrella.example',
    orgs: [{ id: 'org_umbrella', role: 'member' }],
  },
  {
    id: 'usr_021',
    name: 'Uma Thurman',
    email: 'uma.t@initech.example',
    orgs: [{ id: 'org_initech', role: 'admin' }],
  },
  {
    id: 'usr_022',
    name: 'Viktor Petrov',
    email: 'viktor.petrov@initech.example',
    orgs: [{ id: 'org_initech', role: 'member' }],
  },
  {
    id: 'usr_023',
    name: 'Wang Fang 王芳',
    email: 'wang.fang@initech.example',
    orgs: [
      { id: 'org_initech', role: 'member' },
      { id: 'org_soylent', role: 'viewer' },
    ],
  },
  {
    id: 'usr_024',
    name: 'Xavier Dubois',
    email: 'xavier.dubois@soylent.example',
    orgs: [{ id: 'org_soylent', role: 'admin' }],
  },
  {
    id: 'usr_025',
    name: 'Yara Haddad',
    email: 'yara.haddad@soylent.example',
    orgs: [{ id: 'org_soylent', role: 'member' }],
  },
  {
    id: 'usr_026',
    name: 'Zoë Fischer',
    email: 'zoe.fischer@acme.example',
    orgs: [{ id: 'org_acme', role: 'member' }],
  },
  {
    id: 'usr_027',
    name: 'Aiko Suzuki',
    email: 'aiko.suzuki@globex.example',
    orgs: [{ id: 'org_globex', role: 'member' }],
  },
  {
    id: 'usr_028',
    name: 'Björn Berg',
    email: 'bjorn.berg@hooli.example',
    orgs: [
      { id: 'org_hooli', role: 'viewer' },
      { id: 'org_acme', role: 'member' },
    ],
  },
];

export const demoUser = (id: string | null | undefined): DemoUser | undefined =>
  DEMO_USERS.find((user) => user.id === id);
