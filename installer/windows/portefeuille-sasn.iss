; Inno Setup 6 script: setup.exe for Windows 10/11, with a Start-menu entry and an uninstaller.
; It cannot be built on the Linux machines of this project: on Windows, after `make bundle` (or
; `.venv\Scripts\python installer\build.py`), run from the repository's root:
;     iscc /DAppVersion=0.x.y installer\windows\portefeuille-sasn.iss
; which writes build\dist\portefeuille-sasn-<version>-setup.exe.
; Installed per user by default (no administrator rights, as on an officer's managed laptop), or for all
; users when the installer is run as administrator. The portfolios, settings and backups live in the user's
; folders, outside the installation: uninstalling never removes them.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Portefeuille SASN"
#define AppExe "Portefeuille SASN.exe"

[Setup]
AppId={{6F1C8E52-3B7A-4E0D-9C55-2A9B7D4E8F31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Délégation au numérique en santé
AppComments=Le portefeuille d'innovation de la Stratégie d'accélération Santé numérique (France 2030), hors ligne
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\build\dist
OutputBaseFilename=portefeuille-sasn-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\portefeuille-sasn.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=no

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; the whole folder PyInstaller made: the window's executable, the command line's (portfolio.exe) and _internal
Source: "..\..\build\dist\portefeuille-sasn\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Le portefeuille SASN"
Name: "{group}\Guide d'utilisation"; Filename: "{app}\_internal\portfolio\ui\guide\index.html"
Name: "{group}\Vérifier l'installation"; Filename: "{app}\portfolio.exe"; Parameters: "--self-test"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
