import { GluonError } from '../../core/errors/index.js';

const ACTIONS = 'list show create set unset delete describe';

/**
 * The completion script for `bash` or `zsh`. Resource names come from the server at
 * completion time (`gluon completion resources`), so a vendor's model completes too.
 */
export function completionScript(shell: string): string {
  if (shell === 'bash') {
    return `# gluon bash completion: eval "$(gluon completion bash)"
_gluon() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "$(gluon completion resources 2>/dev/null) serve shim arbiter models resync etcd policy token completion" -- "$cur") )
  elif [ "$COMP_CWORD" -eq 2 ]; then
    COMPREPLY=( $(compgen -W "${ACTIONS}" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$(gluon "\${COMP_WORDS[@]:1:COMP_CWORD-1}" --help 2>/dev/null | grep -oE -- '--[a-z0-9-]+' | sort -u)" -- "$cur") )
  fi
}
complete -F _gluon gluon
`;
  }
  if (shell === 'zsh') {
    return `#compdef gluon
# gluon zsh completion: eval "$(gluon completion zsh)" (after compinit)
_gluon() {
  if (( CURRENT == 2 )); then
    compadd -- \${(f)"$(gluon completion resources 2>/dev/null)"} serve shim arbiter models resync etcd policy token completion
  elif (( CURRENT == 3 )); then
    compadd -- ${ACTIONS}
  else
    compadd -- \${(f)"$(gluon \${words[2,CURRENT-1]} --help 2>/dev/null | grep -oE -- '--[a-z0-9-]+' | sort -u)"}
  fi
}
compdef _gluon gluon
`;
  }
  throw new GluonError('GLUON_ERR_CLI_USAGE', `Invalid value for completion: '${shell}' (rule enum): expected bash or zsh.`);
}
