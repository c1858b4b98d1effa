// A v1 Netlify function.
exports.handler = async () => ({statusCode: 200, body: 'hello'});
