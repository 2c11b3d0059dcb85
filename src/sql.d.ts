/** SQL files are imported as their text (the build, vitest and the tsx loader in bin/ all do so). */
declare module "*.sql" {
  const text: string
  export default text
}
