/** A 1×1 transparent GIF: the body of a successful binding, which partners usually call from an `<img>`. */
export const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
