// Convex verifies the JWTs convex/auth.ts signs against the JWKS this
// deployment publishes (convex/http.ts). CONVEX_SITE_URL is built in on
// Convex cloud; the local runtime sets it to its own site address.
export default {
  providers: [
    {
      domain: process.env.CONVEX_SITE_URL,
      applicationID: "convex",
    },
  ],
};
