// A v2 Netlify function with a route.
export default async () => new Response(JSON.stringify({ok: true}));
export const config = {path: '/api/status'};
