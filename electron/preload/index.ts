/**
 * Preload bridge: one function per contract operation (never a generic invoke), plus progress.
 * Runs sandboxed: it may import only `electron` and plain code (the contract's channel names), and
 * is built as CommonJS (sandboxed preloads cannot be ES modules).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { channel, PROGRESS_CHANNEL, type JobProgress, type StudioApi } from '../contract';

const api: StudioApi = {
  backend: (req) => ipcRenderer.invoke(channel('backend'), req),
  methods: (req) => ipcRenderer.invoke(channel('methods'), req),
  evaluate: (req) => ipcRenderer.invoke(channel('evaluate'), req),
  adapt: (req) => ipcRenderer.invoke(channel('adapt'), req),
  cancel: (req) => ipcRenderer.invoke(channel('cancel'), req),
  listModels: (req) => ipcRenderer.invoke(channel('listModels'), req),
  listRuns: (req) => ipcRenderer.invoke(channel('listRuns'), req),
  readReport: (req) => ipcRenderer.invoke(channel('readReport'), req),
  exportModel: (req) => ipcRenderer.invoke(channel('exportModel'), req),
  exportsRoot: (req) => ipcRenderer.invoke(channel('exportsRoot'), req),
  chooseFile: (req) => ipcRenderer.invoke(channel('chooseFile'), req),
  readManifest: (req) => ipcRenderer.invoke(channel('readManifest'), req),
  listProjects: (req) => ipcRenderer.invoke(channel('listProjects'), req),
  createProject: (req) => ipcRenderer.invoke(channel('createProject'), req),
  openProject: (req) => ipcRenderer.invoke(channel('openProject'), req),
  previewImport: (req) => ipcRenderer.invoke(channel('previewImport'), req),
  importIntoProject: (req) => ipcRenderer.invoke(channel('importIntoProject'), req),
  saveTake: (req) => ipcRenderer.invoke(channel('saveTake'), req),
  restoreTake: (req) => ipcRenderer.invoke(channel('restoreTake'), req),
  projectData: (req) => ipcRenderer.invoke(channel('projectData'), req),
  editUtterances: (req) => ipcRenderer.invoke(channel('editUtterances'), req),
  deleteUtterance: (req) => ipcRenderer.invoke(channel('deleteUtterance'), req),
  restoreUtterance: (req) => ipcRenderer.invoke(channel('restoreUtterance'), req),
  readProjectAudio: (req) => ipcRenderer.invoke(channel('readProjectAudio'), req),
  cleanProject: (req) => ipcRenderer.invoke(channel('cleanProject'), req),
  compareRuns: (req) => ipcRenderer.invoke(channel('compareRuns'), req),
  readRunAudio: (req) => ipcRenderer.invoke(channel('readRunAudio'), req),
  synthesizers: (req) => ipcRenderer.invoke(channel('synthesizers'), req),
  checkWords: (req) => ipcRenderer.invoke(channel('checkWords'), req),
  trainVocabulary: (req) => ipcRenderer.invoke(channel('trainVocabulary'), req),
  onProgress: (fn) => {
    const listener = (_e: unknown, ev: JobProgress): void => fn(ev);
    ipcRenderer.on(PROGRESS_CHANNEL, listener);
    return () => ipcRenderer.removeListener(PROGRESS_CHANNEL, listener);
  },
};

contextBridge.exposeInMainWorld('studio', api);
