export { Alert } from './alert';
export { Button, type ButtonProps } from './button';
export { CopyButton } from './copy-button';
export { ConfirmDialog, Dialog } from './dialog';
export { Field, SelectField } from './field';
export { PageHeader } from './page-header';
export { Pager } from './pager';
export { type Status, StatusBadge } from './status-badge';
export { type Column, Table } from './table';
