// Placeholder until the package lands; replaced by its real index.
export {};
