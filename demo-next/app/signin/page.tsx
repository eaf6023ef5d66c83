import { DEMO_ORGS } from '../../lib/orgs';
import { DEMO_USERS } from '../../lib/users';

export const dynamic = 'force-dynamic';

const orgName = (id: string) => DEMO_ORGS.find((org) => org.id === id)?.name ?? id;

/**
 * Sign-in for the demo: pick one of the sample users. A real application has its own sign-in; what matters
 * here is that the token route only signs tokens for the organisations of whoever signed in.
 */
export default function SignIn() {
  return (
    <main className="signin">
      <h1>Sign in</h1>
      <p>Pick a sample user: the dashboard then shows the organisations that user belongs to.</p>
      <form method="post" action="/api/session">
        <ul className="users">
          {DEMO_USERS.map((user) => (
            <li key={user.id}>
              <button type="submit" name="user" value={user.id} data-user={user.id}>
                <span className="name">{user.name}</span>{' '}
                <span className="orgs">
                  {user.orgs.map((org) => `${orgName(org.id)} (${org.role})`).join(', ')}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </form>
    </main>
  );
}
