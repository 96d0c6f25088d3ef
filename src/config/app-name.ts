// What access tokens call an app: its `name`, else its host followed by any path prefix
// ("wiki.example.com", "example.com/wiki"). Shared by the schema (names must be unique) and compile.
export function appName(app: { name?: string | undefined; host: string; path_prefix: string }): string {
  if (app.name !== undefined) return app.name;
  return `${app.host.toLowerCase()}${app.path_prefix.replace(/\/+$/, '')}`;
}
