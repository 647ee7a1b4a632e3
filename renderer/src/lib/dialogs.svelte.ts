/**
 * Native file dialogs (contract operation `chooseFile`): the desktop app has them (the preload bridge
 * is present); browser mode answers `{available: false}`, after which no "Browse…" button is shown.
 */
export const fileDialogs = $state({ available: typeof window !== 'undefined' && 'studio' in window });
