/** Builds dist/ (or `outdir`) from src/ and returns esbuild's metafile. */
export declare const buildDist: (options?: { readonly outdir?: string }) => Promise<{
  readonly outputs: Record<string, { readonly inputs: Record<string, unknown>; readonly bytes: number }>
}>
